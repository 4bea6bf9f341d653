from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = "Production"

    def ready(self):
        # Connects the receiver that marks finished products when a material's declaration changes.
        from production import declaration  # noqa: F401
