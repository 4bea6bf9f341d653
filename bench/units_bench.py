"""Import time and conversions per second: pint against inventory.units (the numbers in its docstring).

Run from the project root: `.venv/bin/python bench/units_bench.py`. pint is optional (not a project
dependency); without it only inventory.units is measured. Figures move between runs on shared machines:
compare the ratios of one run.
"""

import subprocess
import sys
import timeit
from decimal import Decimal
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inventory.units import Equivalence, convert  # noqa: E402

# Recipe lines as they come: (quantity, recipe unit, stock unit). Spelled the way pint accepts them too.
LINES = [
    (Decimal("250.000"), "g", "kg"),
    (Decimal("0.500"), "l", "ml"),
    (Decimal("12.000"), "ml", "l"),
    (Decimal("3.000"), "cl", "dl"),
    (Decimal("0.001"), "kg", "g"),
    (Decimal("1500.000"), "mg", "g"),
]
ROUNDS = 3


def fresh_import_seconds(code):
    """Seconds a fresh interpreter spends on `code` (best of ROUNDS), so no module is already loaded."""
    timer = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    return min(
        float(
            subprocess.run([sys.executable, "-c", timer], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        )
        for _ in range(ROUNDS)
    )


def per_second(function, number=20_000):
    """Conversions per second over LINES (best of ROUNDS)."""

    def run():
        for quantity, from_unit, to_unit in LINES:
            function(quantity, from_unit, to_unit)

    seconds = min(timeit.repeat(run, number=number // len(LINES), repeat=ROUNDS))
    return (number // len(LINES)) * len(LINES) / seconds


def main():
    print(f"{'import inventory.units':<42} {fresh_import_seconds('import inventory.units'):.4f} s")
    # Most of that is the standard library, which a Django process has loaded already.
    stdlib = "import decimal, fractions, dataclasses, unicodedata"
    print(f"{'  of which the stdlib it imports':<42} {fresh_import_seconds(stdlib):.4f} s")
    rates = {}
    try:
        import pint
    except ImportError:
        print("pint is not installed: measuring inventory.units only")
        pint = None
    if pint is not None:
        label = f"import pint (Pint {pint.__version__})"
        print(f"{label:<42} {fresh_import_seconds('import pint'):.4f} s")
        registry_code = "import pint, decimal; pint.UnitRegistry(non_int_type=decimal.Decimal)"
        print(f"{'import pint + UnitRegistry()':<42} {fresh_import_seconds(registry_code):.4f} s")
        # Decimal magnitudes need a Decimal registry, otherwise pint mixes in floats.
        registry = pint.UnitRegistry(non_int_type=Decimal)
        Quantity = registry.Quantity

        def pint_convert(quantity, from_unit, to_unit):
            return Quantity(quantity, from_unit).to(to_unit).magnitude

        # "bare": no alias layer and no input checks, so a floor for the middle way, not its cost.
        @cache
        def pint_factor(from_unit, to_unit):
            return Quantity(Decimal(1), from_unit).to(to_unit).magnitude

        def pint_cached(quantity, from_unit, to_unit):
            return quantity * pint_factor(from_unit, to_unit)

        for quantity, from_unit, to_unit in LINES:  # the three must agree before their speed matters
            expected = convert(quantity, from_unit, to_unit)
            assert pint_convert(quantity, from_unit, to_unit) == expected, (quantity, from_unit, to_unit)
            assert pint_cached(quantity, from_unit, to_unit) == expected, (quantity, from_unit, to_unit)
        rates["pint Quantity(q, u).to(v)"] = per_second(pint_convert, number=3_000)
        rates["pint factor in an lru_cache (bare)"] = per_second(pint_cached)
    rates["inventory.units.convert"] = per_second(convert)
    lemon_juice = (Equivalence(1, "kg", 400, "ml"),)
    rates["inventory.units.convert + equivalence"] = per_second(
        lambda quantity, from_unit, to_unit: convert(quantity, "kg", "ml", conversions=lemon_juice)
    )
    for name, rate in rates.items():
        print(f"{name:<42} {rate:>12,.0f} conversions/s  ({1e6 / rate:.2f} µs each)")


if __name__ == "__main__":
    main()
