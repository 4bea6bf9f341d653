"""is_superuser now follows the role like is_staff (User.save): bring existing rows in step."""

from django.db import migrations


def sync_admin_rights(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(role="Admin").update(is_staff=True, is_superuser=True)
    User.objects.filter(role="Manager").update(is_staff=True, is_superuser=False)
    User.objects.exclude(role__in=["Admin", "Manager"]).update(is_staff=False, is_superuser=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitation")]

    operations = [migrations.RunPython(sync_admin_rights, migrations.RunPython.noop)]
