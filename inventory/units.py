"""Units of measure: normalise what people type, and convert quantities exactly.

Pure Python (no Django), so services, serializers, selectors and commands can all use it.

Accepted units (any letter case, surrounding spaces ignored; the canonical symbol comes first):

    mass    mg     mg, milligram(s), milligramme(s)
            g      g, gr, gram(s), gramme(s)
            kg     kg, kgs, kilo(s), kilogram(s), kilogramme(s)
            t      t, tonne(s)                      (metric tonne, 1000 kg)
    volume  ml     ml, millilitre(s), milliliter(s)
            cl     cl, centilitre(s), centiliter(s)
            dl     dl, decilitre(s), deciliter(s), décilitre(s)
            l      l, litre(s), liter(s)            (so "L" is a litre)
    count   unit   unit(s), u, pc, pcs, piece(s), pièce(s), unité(s)
            dozen  dozen(s), douzaine(s)            (12 units)

`ACCEPTED_UNITS` holds the same list for code (help texts, choices). Deliberately not accepted: "ton"
(short or long ton?), "oz"/"lb"/"gal" (no imperial units in Stocky's markets), "m" (metre or milli?).

API (errors are `UnitError`s, which are `ValueError`s):

    normalize_unit(text) -> str                       canonical symbol, or UnknownUnit
    unit_kind(unit) -> "mass" | "volume" | "count"
    convert(quantity, from_unit, to_unit, *, conversions=()) -> Decimal
    can_convert(from_unit, to_unit, *, conversions=()) -> bool
    Equivalence(quantity_a, unit_a, quantity_b, unit_b)   "1 kg = 400 ml" for one product

Precision: `convert` returns the exact result whenever it is a terminating decimal (every conversion within
a kind except some into dozens, and every equivalence whose ratio divides out), whatever the number of
digits; otherwise the exact rational result correctly rounded (half-even) to 28 significant digits
(`PRECISION`), with a single rounding at the end however many steps the conversion takes. The caller's
decimal context is never used, so a caller that lowered its precision does not change our results.
Results keep the digits the arithmetic gives (250 g -> 0.250 kg); quantities are stored with 3 decimal
places, so callers quantize.

Why a hand-written table rather than pint (Pint 0.25.3 is in the virtualenv; `bench/units_bench.py`
measures both). One run on this 2-core machine (figures move between runs; the ratios hold):

    import, fresh interpreter     this module 0.024 s (0.021 s of it the stdlib Django loads anyway)
                                  pint 0.15 s, 0.41 s with the UnitRegistry it needs to do anything
    conversions/s, Decimal        pint Quantity(q, u).to(v)              8,300   (120 µs each)
                                  pint factor in an lru_cache, bare  4,340,000   (0.23 µs: no alias
                                                                                 layer, no input checks)
                                  this module                        1,710,000   (0.58 µs)
                                  this module with an equivalence    1,000,000   (1.0 µs)

- Correctness: pint is case-sensitive in ways that are wrong for typed-in units: "ML" is a megalitre, and
  "Kg", "KG", "CL" are errors; "pc"/"pcs" are parsecs, "u" is the atomic mass unit, "unit" is a luminance
  (micronit); there is no "dozen", "piece", "gramme", "kilo", "unité" or "pièce". ("t" is the metric
  tonne, which is right.) So pint would need an alias layer anyway, and that layer is most of this module.
- Cost: pint's own conversion (120 µs) would add 0.1-0.4 s to a request computing thousands of recipe
  lines. Behind an lru_cache of factors it costs what this module costs per call (the alias layer and the
  input checks are the same), so pint would only ever supply ten powers of ten and a 12, for ~0.4 s of
  start-up per process and a runtime dependency.
- Exactness: pint keeps Decimals only with `UnitRegistry(non_int_type=Decimal)` and then rounds in the
  ambient decimal context; integer factors here make exactness easy to see.
Decision: a table of integer factors (`_SIZES`) and the spellings above. The tests cross-check the table
against pint when pint is installed.
"""

import unicodedata
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

MASS = "mass"
VOLUME = "volume"
COUNT = "count"

# Significant digits of a result that is not a terminating decimal (e.g. 1 unit = 0.0833… dozen).
PRECISION = 28

# Canonical symbol -> (kind, size in the kind's smallest unit: mg, ml or one unit). Integers keep every
# within-kind factor exact.
_SIZES = {
    "mg": (MASS, 1),
    "g": (MASS, 10**3),
    "kg": (MASS, 10**6),
    "t": (MASS, 10**9),
    "ml": (VOLUME, 1),
    "cl": (VOLUME, 10),
    "dl": (VOLUME, 100),
    "l": (VOLUME, 10**3),
    "unit": (COUNT, 1),
    "dozen": (COUNT, 12),
}

ACCEPTED_UNITS = {
    "mg": ("mg", "milligram", "milligrams", "milligramme", "milligrammes"),
    "g": ("g", "gr", "gram", "grams", "gramme", "grammes"),
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"),
    "t": ("t", "tonne", "tonnes"),
    "ml": ("ml", "millilitre", "millilitres", "milliliter", "milliliters"),
    "cl": ("cl", "centilitre", "centilitres", "centiliter", "centiliters"),
    "dl": ("dl", "decilitre", "decilitres", "deciliter", "deciliters", "décilitre", "décilitres"),
    "l": ("l", "litre", "litres", "liter", "liters"),
    "unit": ("unit", "units", "u", "pc", "pcs", "piece", "pieces", "pièce", "pièces", "unité", "unités"),
    "dozen": ("dozen", "dozens", "douzaine", "douzaines"),
}

_SPELLINGS = {spelling: symbol for symbol, spellings in ACCEPTED_UNITS.items() for spelling in spellings}

# Exact arithmetic: products of finite decimals never need rounding at this precision.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])
_ROUNDED = Context(prec=PRECISION, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])


class UnitError(ValueError):
    """Base of this module's errors, so a caller can catch them all (and render them as a 400)."""


class UnknownUnit(UnitError):
    def __init__(self, unit):
        self.unit = unit
        accepted = ", ".join(ACCEPTED_UNITS)
        super().__init__(f"Unknown unit of measure {unit!r}; use one of {accepted} (or a usual spelling)")


class IncompatibleUnits(UnitError):
    def __init__(self, from_unit, to_unit, message):
        self.from_unit = from_unit
        self.to_unit = to_unit
        super().__init__(message)


class InvalidEquivalence(UnitError):
    """An equivalence that cannot hold: one kind on both sides, a quantity not > 0, or two that disagree."""


@dataclass(frozen=True)
class Equivalence:
    """`quantity_a unit_a` of a product is the same amount as `quantity_b unit_b`, e.g. 1 kg = 400 ml.

    Units are stored normalised and quantities as Decimals, so equal statements compare (and hash) equal.
    """

    quantity_a: Decimal
    unit_a: str
    quantity_b: Decimal
    unit_b: str

    def __post_init__(self):
        unit_a, unit_b = normalize_unit(self.unit_a), normalize_unit(self.unit_b)
        try:
            quantity_a = _as_decimal(self.quantity_a, "quantity_a")
            quantity_b = _as_decimal(self.quantity_b, "quantity_b")
        except ValueError as error:  # so that one `except UnitError` covers every bad equivalence
            raise InvalidEquivalence(str(error)) from None
        if quantity_a <= 0 or quantity_b <= 0:
            raise InvalidEquivalence(f"Both quantities of an equivalence must be > 0: {self}")
        if _SIZES[unit_a][0] == _SIZES[unit_b][0]:
            raise InvalidEquivalence(
                f"An equivalence links two kinds of unit; {unit_a} and {unit_b} are both {_SIZES[unit_a][0]}"
            )
        # Frozen: set the normalised values the way dataclasses themselves do.
        object.__setattr__(self, "unit_a", unit_a)
        object.__setattr__(self, "unit_b", unit_b)
        object.__setattr__(self, "quantity_a", quantity_a)
        object.__setattr__(self, "quantity_b", quantity_b)

    def __str__(self):
        return f"{self.quantity_a} {self.unit_a} = {self.quantity_b} {self.unit_b}"


@lru_cache(maxsize=1024)
def normalize_unit(text):
    """The canonical symbol of a unit as typed ("L" -> "l", "Kg" -> "kg", "pcs" -> "unit"), or UnknownUnit."""
    if not isinstance(text, str):
        raise TypeError(f"A unit of measure is a string, not {type(text).__name__}")
    # NFC so that "é" typed as e + combining accent matches; casefold so that any letter case matches.
    key = unicodedata.normalize("NFC", text).strip().casefold()
    try:
        return _SPELLINGS[key]
    except KeyError:
        raise UnknownUnit(text) from None


def unit_kind(unit):
    """ "mass", "volume" or "count" for any accepted spelling; UnknownUnit otherwise."""
    return _SIZES[normalize_unit(unit)][0]


def convert(quantity, from_unit, to_unit, *, conversions=()):
    """`quantity` (Decimal, int or numeric str) in `from_unit`, expressed in `to_unit`, as a Decimal.

    Units of the same kind convert directly. Across kinds, `conversions` (Equivalence objects for this
    product) bridge them, directly or through the third kind; they are not consulted within a kind.
    Raises UnknownUnit, IncompatibleUnits (no bridge), InvalidEquivalence (two equivalences for the same
    kinds disagree), TypeError for a float (binary floats are not exact) or anything not a number.
    """
    quantity = _as_decimal(quantity, "quantity")
    factor, divisor = _plan(from_unit, to_unit, _as_tuple(conversions) if conversions else ())
    result = _EXACT.multiply(quantity, factor)
    return result if divisor == 1 else _ROUNDED.divide(result, divisor)


def can_convert(from_unit, to_unit, *, conversions=()):
    """Whether `convert` would succeed between these units. Unknown units still raise UnknownUnit."""
    try:
        _plan(from_unit, to_unit, _as_tuple(conversions) if conversions else ())
    except IncompatibleUnits:
        return False
    return True


def _as_decimal(value, name):
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{name} {value!r} is not a number") from None
    else:
        # float included: Decimal(0.1) is 0.1000000000000000055…, exactly the surprise this module avoids.
        raise TypeError(f"{name} must be a Decimal, an int or a numeric string, not {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return number


def _as_tuple(conversions):
    conversions = tuple(conversions)
    for item in conversions:
        if not isinstance(item, Equivalence):
            raise TypeError(f"conversions must hold Equivalence objects, not {type(item).__name__}")
    return conversions


@lru_cache(maxsize=4096)
def _plan(from_unit, to_unit, conversions):
    """(factor, divisor): the result is quantity × factor (exact), then ÷ divisor (rounded) if it is not 1.

    Cached on the units as typed, so a list of recipe lines pays for normalising and for the arithmetic
    once per distinct (units, equivalences), and each line costs one multiplication.
    """
    from_unit, to_unit = normalize_unit(from_unit), normalize_unit(to_unit)
    from_kind, from_size = _SIZES[from_unit]
    to_kind, to_size = _SIZES[to_unit]
    ratio = Fraction(from_size, to_size)
    if from_kind != to_kind:
        ratio *= _bridge(from_unit, to_unit, from_kind, to_kind, conversions)
    numerator, denominator = ratio.numerator, ratio.denominator
    rest, twos, fives = denominator, 0, 0
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        # Not a terminating decimal: one correctly rounded division at the end.
        return Decimal(numerator), denominator
    # n / (2^a 5^b) = n × 2^(k-a) 5^(k-b) × 10^-k: an exact decimal factor.
    shift = max(twos, fives)
    return _EXACT.scaleb(Decimal(numerator * (10**shift // denominator)), -shift), 1


def _bridge(from_unit, to_unit, from_kind, to_kind, conversions):
    """How many of `to_kind`'s smallest unit one of `from_kind`'s smallest unit is, through equivalences."""
    links = {}  # (kind, kind) -> Fraction, both directions
    for equivalence in conversions:
        kind_a, size_a = _SIZES[equivalence.unit_a]
        kind_b, size_b = _SIZES[equivalence.unit_b]
        # quantity_a × size_a smallest units of kind_a == quantity_b × size_b smallest units of kind_b
        ratio = Fraction(equivalence.quantity_b) * size_b / (Fraction(equivalence.quantity_a) * size_a)
        known = links.get((kind_a, kind_b))
        if known is not None and known != ratio:
            agreeing = next(
                other for other in conversions if {_SIZES[other.unit_a][0], _SIZES[other.unit_b][0]} == {kind_a, kind_b}
            )
            raise InvalidEquivalence(f"The equivalences {agreeing} and {equivalence} disagree")
        links[(kind_a, kind_b)] = ratio
        links[(kind_b, kind_a)] = 1 / ratio
    if (from_kind, to_kind) in links:
        return links[(from_kind, to_kind)]
    (via,) = {MASS, VOLUME, COUNT} - {from_kind, to_kind}
    if (from_kind, via) in links and (via, to_kind) in links:
        return links[(from_kind, via)] * links[(via, to_kind)]
    if conversions:
        given = "; ".join(str(equivalence) for equivalence in conversions)
        reason = f"the equivalences given ({given}) do not link {from_kind} to {to_kind}"
    else:
        reason = f"{from_kind} and {to_kind} need an equivalence for the product (e.g. 1 kg = 400 ml)"
    raise IncompatibleUnits(
        from_unit, to_unit, f"Cannot convert {from_unit} ({from_kind}) to {to_unit} ({to_kind}): {reason}"
    )
