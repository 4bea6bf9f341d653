from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_superuser_follows_role")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="token_version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
