"""Units of measure: what people type, exact conversions, and equivalences for one product."""

from decimal import Decimal, localcontext
from fractions import Fraction

import pint
import pytest

from inventory.units import (
    ACCEPTED_UNITS,
    PRECISION,
    Equivalence,
    IncompatibleUnits,
    InvalidEquivalence,
    UnitError,
    UnknownUnit,
    can_convert,
    convert,
    normalize_unit,
    unit_kind,
)

D = Decimal
ONE_EGG = Equivalence(1, "unit", 60, "g")
LEMON_JUICE = Equivalence(1, "kg", 400, "ml")


def assert_correctly_rounded(result, exact):
    """`result` has PRECISION significant digits and is within half a unit of the last one of `exact`."""
    assert len(result.as_tuple().digits) == PRECISION
    last_digit = Fraction(10) ** (result.adjusted() - PRECISION + 1)
    assert abs(Fraction(result) - exact) <= last_digit / 2


# --- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("L", "l"),
        ("l", "l"),
        ("Litre", "l"),
        ("LITERS", "l"),
        ("ML", "ml"),
        ("mL", "ml"),
        ("Ml", "ml"),
        ("CL", "cl"),
        ("dL", "dl"),
        ("Décilitre", "dl"),
        ("Kg", "kg"),
        ("KG", "kg"),
        ("kilo", "kg"),
        ("Kilos", "kg"),
        ("kilogramme", "kg"),
        ("G", "g"),
        ("gr", "g"),
        ("gramme", "g"),
        ("grams", "g"),
        ("MG", "mg"),
        ("T", "t"),
        ("tonne", "t"),
        ("pcs", "unit"),
        ("PC", "unit"),
        ("u", "unit"),
        ("Pièce", "unit"),
        ("unité", "unit"),
        ("Units", "unit"),
        ("Dozen", "dozen"),
        ("douzaine", "dozen"),
        ("  kg ", "kg"),
        ("pie\u0300ce", "unit"),  # "pièce" with a combining accent, as some keyboards send it
    ],
)
def test_normalize_accepts_usual_spellings_in_any_case(typed, canonical):
    assert normalize_unit(typed) == canonical


def test_every_documented_spelling_normalizes_to_its_unit_in_any_case():
    spellings = [(symbol, spelling) for symbol, listed in ACCEPTED_UNITS.items() for spelling in listed]
    # A spelling listed under two units would silently belong to the last one.
    assert len({spelling for _, spelling in spellings}) == len(spellings)
    for symbol, spelling in spellings:
        assert normalize_unit(spelling) == normalize_unit(spelling.upper()) == symbol


@pytest.mark.parametrize("typed", ["lbs", "oz", "ton", "kgg", "", "   ", "1 kg", "m", "k g"])
def test_unknown_unit_is_an_error_naming_it(typed):
    with pytest.raises(UnknownUnit) as caught:
        normalize_unit(typed)
    assert isinstance(caught.value, ValueError)
    assert caught.value.unit == typed
    assert repr(typed) in str(caught.value)
    assert "kg" in str(caught.value)  # it says what would have been accepted


def test_a_unit_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError):
        normalize_unit(None)


@pytest.mark.parametrize(
    "unit, kind",
    [
        ("mg", "mass"),
        ("Kg", "mass"),
        ("t", "mass"),
        ("L", "volume"),
        ("cl", "volume"),
        ("pcs", "count"),
        ("dozen", "count"),
    ],
)
def test_unit_kind(unit, kind):
    assert unit_kind(unit) == kind


def test_unit_kind_of_unknown_unit():
    with pytest.raises(UnknownUnit):
        unit_kind("bushel")


# --- within a kind ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quantity, recipe_unit, stock_unit, expected",
    [
        ("250", "g", "kg", "0.25"),  # flour for a loaf against a stock in kg
        ("200", "ml", "L", "0.2"),  # milk against a stock in L
        ("200", "ml", "l", "0.2"),
        ("1.5", "L", "ml", "1500"),
        ("3", "cl", "l", "0.03"),  # rum in a baba
        ("0.125", "kg", "g", "125"),
        ("7", "g", "kg", "0.007"),  # salt
        ("2", "dozen", "units", "24"),
        ("18", "pcs", "dozen", "1.5"),
        ("1", "t", "mg", "1000000000"),
        ("-2.5", "kg", "g", "-2500"),  # a stock delta
        ("0", "l", "ml", "0"),
    ],
)
def test_recipe_quantities_convert_to_the_stock_unit(quantity, recipe_unit, stock_unit, expected):
    result = convert(D(quantity), recipe_unit, stock_unit)
    assert isinstance(result, Decimal)
    assert result == D(expected)


def test_conversion_is_exact():
    assert convert(D("0.001"), "kg", "g") == 1
    assert convert(D("1"), "mg", "t") == D("1E-9")
    assert convert(D("0.001"), "g", "t").as_tuple().digits == (1,)  # 1E-9, no 0.99999… on the way
    # More digits than any context precision, still exact.
    huge = D("123456789012345678901234567890.123")
    assert convert(huge, "kg", "g") == D("123456789012345678901234567890123")
    assert convert(convert(huge, "kg", "mg"), "mg", "kg") == huge


def test_a_caller_with_a_low_decimal_precision_gets_the_same_results():
    with localcontext() as context:
        context.prec = 3
        assert convert(D("1234.567"), "kg", "g") == D("1234567")
        assert_correctly_rounded(convert(D("1"), "unit", "dozen"), Fraction(1, 12))


def test_units_into_dozens_are_rounded_to_the_stated_precision():
    assert_correctly_rounded(convert(D("1"), "unit", "dozen"), Fraction(1, 12))
    assert convert(D("1"), "unit", "dozen") == D("0.08333333333333333333333333333")
    assert convert(D("6"), "u", "dozen") == D("0.5")  # exact when it divides out


def test_int_and_numeric_string_quantities_are_accepted():
    assert convert(2, "kg", "g") == 2000
    assert convert(" 2.5 ", "l", "cl") == 250


@pytest.mark.parametrize("quantity", [0.1, 1.0, True, None, [1]])
def test_floats_and_non_numbers_are_refused(quantity):
    with pytest.raises(TypeError):
        convert(quantity, "kg", "g")


@pytest.mark.parametrize("quantity", ["abc", "", "NaN", "Infinity", D("NaN"), D("-Infinity")])
def test_quantities_that_are_not_finite_numbers_are_refused(quantity):
    with pytest.raises(ValueError, match="quantity"):
        convert(quantity, "kg", "g")


def test_unknown_unit_in_a_conversion():
    with pytest.raises(UnknownUnit, match="'pounds'"):
        convert(D("1"), "pounds", "kg")
    with pytest.raises(UnknownUnit, match="'kilograms please'"):
        convert(D("1"), "kg", "kilograms please")


def test_kinds_do_not_mix_without_an_equivalence():
    with pytest.raises(IncompatibleUnits) as caught:
        convert(D("1"), "Kg", "mL")
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, UnitError)
    assert (error.from_unit, error.to_unit) == ("kg", "ml")
    assert "kg (mass)" in str(error) and "ml (volume)" in str(error)
    assert not can_convert("kg", "ml")
    assert not can_convert("dozen", "g")


def test_can_convert():
    assert can_convert("g", "KG")
    assert can_convert("pcs", "dozen")
    assert can_convert("unit", "kg", conversions=[ONE_EGG])
    with pytest.raises(UnknownUnit):
        can_convert("kg", "stone")


def test_pint_agrees_with_the_table():
    """The hand-written table against pint, the units library the application chose not to depend on (see
    units.py): a test dependency only, so that this check always runs."""
    registry = pint.UnitRegistry(non_int_type=Decimal)
    pint_names = {"mg": "mg", "g": "g", "kg": "kg", "t": "metric_ton", "ml": "ml", "cl": "cl", "dl": "dl", "l": "l"}
    for a, name_a in pint_names.items():
        for b, name_b in pint_names.items():
            if unit_kind(a) == unit_kind(b):
                expected = registry.Quantity(D("1.5"), name_a).to(name_b).magnitude
                assert convert(D("1.5"), a, b) == expected, (a, b)


# --- equivalences ----------------------------------------------------------------------------------------


def test_eggs_counted_by_unit_against_a_stock_in_grams_or_kg():
    assert convert(D("3"), "unit", "g", conversions=[ONE_EGG]) == 180
    assert convert(D("3"), "pcs", "kg", conversions=[ONE_EGG]) == D("0.18")
    assert convert(D("1"), "dozen", "kg", conversions=[ONE_EGG]) == D("0.72")
    assert convert(D("120"), "g", "units", conversions=[ONE_EGG]) == 2
    assert convert(D("1.5"), "kg", "dozen", conversions=[ONE_EGG]) == D("2.083333333333333333333333333")


def test_an_equivalence_works_both_ways_and_with_every_unit_of_both_kinds():
    lemons = [LEMON_JUICE]
    assert convert(D("1"), "kg", "ml", conversions=lemons) == 400
    assert convert(D("0.5"), "L", "kg", conversions=lemons) == D("1.25")
    assert convert(D("250"), "g", "ml", conversions=lemons) == 100
    assert convert(D("100"), "ml", "g", conversions=lemons) == 250
    assert convert(D("3"), "t", "l", conversions=lemons) == 1200
    assert can_convert("mL", "Kg", conversions=lemons)


def test_equivalences_are_not_used_within_a_kind():
    assert convert(D("1"), "kg", "g", conversions=[LEMON_JUICE]) == 1000


def test_equivalences_chain_through_the_third_kind():
    # A whole egg: 50 g, and beaten egg weighs about 1 kg per litre.
    egg = [Equivalence(1, "unit", 50, "g"), Equivalence(1, "kg", 1, "l")]
    assert convert(D("4"), "unit", "ml", conversions=egg) == 200
    assert convert(D("1"), "l", "units", conversions=egg) == 20
    # A direct equivalence is preferred to the chain.
    assert convert(D("4"), "unit", "ml", conversions=[*egg, Equivalence(1, "unit", 45, "ml")]) == 180


def test_a_third_style_equivalence_is_correctly_rounded_and_stable():
    three_lemons_a_kilo = [Equivalence(3, "unit", 1, "kg")]
    one_lemon = convert(D("1"), "unit", "kg", conversions=three_lemons_a_kilo)
    assert_correctly_rounded(one_lemon, Fraction(1, 3))
    assert one_lemon == D("0.3333333333333333333333333333")
    assert convert(D("1"), "unit", "g", conversions=three_lemons_a_kilo) == D("333.3333333333333333333333333")
    assert convert(D("6"), "unit", "kg", conversions=three_lemons_a_kilo) == 2  # exact when it divides out
    # Chained: one rounding at the end, not one per step (7 units -> 7/3 kg -> 7/3 × 7/9 l).
    chain = [*three_lemons_a_kilo, Equivalence(9, "kg", 7, "l")]
    assert_correctly_rounded(convert(D("7"), "unit", "l", conversions=chain), Fraction(49, 27))
    # Back and forth stays within the precision (callers quantize to 3 places).
    assert convert(one_lemon, "kg", "unit", conversions=three_lemons_a_kilo).quantize(D("0.001")) == 1


def test_an_equivalence_of_the_wrong_kinds_does_not_bridge():
    with pytest.raises(IncompatibleUnits) as caught:
        convert(D("1"), "kg", "ml", conversions=[ONE_EGG])
    message = str(caught.value)
    assert "kg (mass)" in message and "ml (volume)" in message
    assert "1 unit = 60 g" in message  # names what was given and did not help
    assert not can_convert("kg", "ml", conversions=[ONE_EGG])


def test_equivalences_normalize_and_compare_by_value():
    given = Equivalence(D("1.000"), "Kg", "400", "mL")
    assert (given.unit_a, given.quantity_b, given.unit_b) == ("kg", 400, "ml")
    assert given == LEMON_JUICE and hash(given) == hash(LEMON_JUICE)
    assert str(given) == "1.000 kg = 400 ml"


@pytest.mark.parametrize(
    "args, error, fragment",
    [
        ((1, "kg", 1000, "g"), InvalidEquivalence, "both mass"),
        ((1, "L", 100, "cl"), InvalidEquivalence, "both volume"),
        ((0, "kg", 400, "ml"), InvalidEquivalence, "> 0"),
        ((1, "kg", -400, "ml"), InvalidEquivalence, "> 0"),
        ((1, "kg", 400, "cups"), UnknownUnit, "'cups'"),
        ((1, "kg", "lots", "ml"), InvalidEquivalence, "quantity_b 'lots' is not a number"),
        ((D("NaN"), "kg", 400, "ml"), InvalidEquivalence, "quantity_a must be a finite number"),
    ],
)
def test_an_impossible_equivalence_is_refused_when_made(args, error, fragment):
    with pytest.raises(error, match=fragment):
        Equivalence(*args)


def test_a_float_in_an_equivalence_is_refused():
    with pytest.raises(TypeError, match="quantity_b"):
        Equivalence(1, "kg", 0.4, "l")


def test_equivalences_that_disagree_are_an_error_not_a_guess():
    disagreeing = [LEMON_JUICE, Equivalence(1, "kg", 500, "ml")]
    with pytest.raises(InvalidEquivalence, match="1 kg = 400 ml.*1 kg = 500 ml.*disagree"):
        convert(D("1"), "kg", "ml", conversions=disagreeing)
    # The same statement twice, in other units, is not a disagreement.
    assert convert(D("1"), "kg", "l", conversions=[LEMON_JUICE, Equivalence(500, "g", 20, "cl")]) == D("0.4")


def test_conversions_must_be_equivalences():
    with pytest.raises(TypeError, match="Equivalence"):
        convert(D("1"), "kg", "ml", conversions=[(1, "kg", 400, "ml")])


def test_conversions_may_be_any_iterable():
    assert convert(D("1"), "kg", "ml", conversions=(e for e in [LEMON_JUICE])) == 400
