"""How the admin shows numbers: quantities without trailing zeros beside their unit, money with its currency
(setting CURRENCY). One place, used by the list columns (stocky.workspace), pages and charts."""

from decimal import Decimal

from django.conf import settings

# The symbol staff expect after an amount; any other ISO code is written as it is ("12.50 CHF").
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def figure(value):
    """A quantity as staff read it: no trailing zeros, no exponent (Decimal('12.500') -> '12.5', 1E+1 -> '10')."""
    if value is None:
        return "—"
    return format(Decimal(value).quantize(Decimal("0.001")).normalize(), "f")


def quantity(value, unit=""):
    """'12.5 kg', '3 unit', or '—' when there is none."""
    # A no-break space: a narrow column wraps between quantities, never between a figure and its unit.
    return "—" if value is None else f"{figure(value)}\u00a0{unit}".strip()


def currency_symbol():
    code = getattr(settings, "CURRENCY", "EUR")
    return SYMBOLS.get(code, code)


def money(value):
    """'29.16 €' (two decimals, as money is stored), or '—' when there is none."""
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.01'))}\u00a0{currency_symbol()}"
