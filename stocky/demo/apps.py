from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Operator tools: `manage.py seed_demo`, the demo workshop."""

    name = "stocky.demo"
    label = "demo"
    verbose_name = "Demo data"
