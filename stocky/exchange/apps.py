from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Operator tools: `manage.py import`/`export`/`import_stocky`, and the admin's Import and Export pages."""

    name = "stocky.exchange"
    label = "exchange"
    verbose_name = "Imports and exports"
