from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from stocky.kit import versions

        # Every table's triggers, after every `migrate` (accounts/migrations/0006_table_versions.py).
        post_migrate.connect(versions.install_after_migrate, sender=self, dispatch_uid="stocky-table-versions")
