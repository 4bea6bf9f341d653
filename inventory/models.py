from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from inventory.units import ACCEPTED_UNITS, Equivalence, UnitError, normalize_unit
from stocky.kit.models import MONEY, NON_NEGATIVE, QUANTITY, StockedKind, TimeStampedModel
from stocky.kit.validators import POSITIVE


class UnitOfMeasureField(models.CharField):
    """A unit of measure (inventory.units), stored as its canonical symbol so that "L" and "l" are one unit.

    Forms (the admin) refuse an unknown unit; every save stores the canonical symbol of a known one.
    """

    description = "Unit of measure"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "e.g. " + ", ".join(ACCEPTED_UNITS) + " (any usual spelling, any case)")
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return normalize_unit(value)
        except UnitError as exc:
            raise ValidationError(str(exc), code="unknown_unit") from None

    def get_prep_value(self, value):
        # Lookups match any spelling ("?unit_of_measure=L" finds "l"); an unknown one simply matches nothing.
        value = models.Field.get_prep_value(self, value)
        if value is None:
            return None
        try:
            return normalize_unit(str(value))
        except UnitError:
            return str(value)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        try:
            value = normalize_unit(value)
        except (UnitError, TypeError):
            return value  # left as it is; only rows from before units were checked can hold one
        setattr(model_instance, self.attname, value)
        return value


# --- What a label must declare (SPEC E) -----------------------------------------------------------------


class Allergen(models.TextChoices):
    """The 14 allergens of EU regulation 1169/2011 Annex II, in the Annex's order (the order lists keep)."""

    GLUTEN = "gluten", "Cereals containing gluten"
    CRUSTACEANS = "crustaceans", "Crustaceans"
    EGGS = "eggs", "Eggs"
    FISH = "fish", "Fish"
    PEANUTS = "peanuts", "Peanuts"
    SOYBEANS = "soybeans", "Soybeans"
    MILK = "milk", "Milk"
    NUTS = "nuts", "Nuts"
    CELERY = "celery", "Celery"
    MUSTARD = "mustard", "Mustard"
    SESAME = "sesame", "Sesame seeds"
    SULPHITES = "sulphites", "Sulphur dioxide and sulphites"
    LUPIN = "lupin", "Lupin"
    MOLLUSCS = "molluscs", "Molluscs"


ALLERGEN_ORDER = {code: index for index, code in enumerate(Allergen.values)}


def allergen_list(codes) -> list[str]:
    """`codes` as stored: known codes only (ValueError naming the unknown ones), each once, in Annex II order."""
    if codes is None:
        return []
    if isinstance(codes, str):
        raise ValueError('Expected a list of allergen codes, e.g. ["gluten", "milk"]')
    cleaned = [str(code).strip().lower() for code in codes]
    unknown = [code for code in cleaned if code not in ALLERGEN_ORDER]
    if unknown:
        names = ", ".join(f"'{code}'" for code in dict.fromkeys(unknown))
        raise ValueError(
            f"Unknown allergen {names}; the 14 of EU 1169/2011 Annex II are: " + ", ".join(Allergen.values)
        )
    return sorted(set(cleaned), key=ALLERGEN_ORDER.__getitem__)


class AllergenListField(models.JSONField):
    """A list of Annex II allergen codes, stored as a JSON list; the admin shows one checkbox per allergen."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        try:
            allergen_list(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="unknown_allergen") from None

    def formfield(self, **kwargs):
        return forms.TypedMultipleChoiceField(
            choices=Allergen.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=kwargs.get("label") or self.verbose_name.capitalize(),
            help_text=self.help_text,
        )


# Per 100 g of the material: (field, label, unit, largest possible figure). Energy: fat, the densest
# nutrient, gives 37 kJ / 9 kcal per g, so 100 g of anything stays below 4000 kJ / 1000 kcal; a mass
# per 100 g cannot pass 100 g.
NUTRIENTS = (
    ("energy_kj", "Energy", "kJ", Decimal(4000)),
    ("energy_kcal", "Energy", "kcal", Decimal(1000)),
    ("fat", "Fat", "g", Decimal(100)),
    ("saturates", "of which saturates", "g", Decimal(100)),
    ("carbohydrate", "Carbohydrate", "g", Decimal(100)),
    ("sugars", "of which sugars", "g", Decimal(100)),
    ("protein", "Protein", "g", Decimal(100)),
    ("salt", "Salt", "g", Decimal(100)),
)
NUTRIENT_FIELDS = tuple(name for name, *_ in NUTRIENTS)
# (part, whole): a part cannot exceed the figure it is part of.
NUTRIENT_PARTS = (("saturates", "fat"), ("sugars", "carbohydrate"))
DECLARATION_FIELDS = ("allergens", "may_contain", "label_name", "is_packaging", *NUTRIENT_FIELDS)


def _nutrient_field(label, unit, most):
    return models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(most)],
        verbose_name=f"{label} ({unit} per 100 g)",
        help_text="Empty when unknown: the declaration then names this material as missing data.",
    )


def _nutrient_constraints(prefix):
    constraints = []
    for name, label, unit, most in NUTRIENTS:
        constraints.append(
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0, f"{name}__lte": most}),
                name=f"{prefix}_{name}_in_range",
                violation_error_message=f"{label} ({unit}) must be between 0 and {most} per 100 g.",
            )
        )
    for part, whole in NUTRIENT_PARTS:
        constraints.append(
            models.CheckConstraint(
                condition=Q(**{f"{part}__isnull": True})
                | Q(**{f"{whole}__isnull": True})
                | Q(**{f"{part}__lte": models.F(whole)}),
                name=f"{prefix}_{part}_within_{whole}",
                violation_error_message=f"{part.capitalize()} cannot exceed {whole} per 100 g.",
            )
        )
    return constraints


# Below it, the item is "low": the admin's home lists it and the API's ?below_reorder_level=true finds it.
REORDER_HELP = "In the stock unit. Below this, the item is listed as low on stock; 0: never."
MAX_YIELD_PERCENT = Decimal(500)


class RawProduct(TimeStampedModel):
    """A material bought from suppliers and consumed by recipes."""

    STOCK_LEDGER = StockedKind("raw_product", "stock_quantity", "unit_of_measure", lots=True)

    name = models.CharField(max_length=255, db_index=True)
    stock_quantity = models.DecimalField(**QUANTITY, validators=NON_NEGATIVE)
    # The stock unit: stock, ledger entries, requirements and costs are all expressed in it.
    unit_of_measure = UnitOfMeasureField()
    reorder_level = models.DecimalField(**QUANTITY, default=0, validators=NON_NEGATIVE, help_text=REORDER_HELP)
    # What a label must declare (SPEC E, docs/recipes.md): Annex II allergen codes, in Annex order.
    allergens = AllergenListField(help_text="Allergens the material contains (EU 1169/2011 Annex II).")
    may_contain = AllergenListField(help_text="Allergens it may contain by cross-contact (the supplier's spec).")
    label_name = models.CharField(
        max_length=255, blank=True, default="", help_text="Its name in an ingredient list; empty: the name above."
    )
    # Boxes, bags and labels are recipe lines (they are used up and costed) but not food: a declaration
    # leaves them out, and their mass does not count.
    is_packaging = models.BooleanField(
        default=False, help_text="Packaging, not an ingredient: left out of ingredient lists and nutrition."
    )
    energy_kj = _nutrient_field("Energy", "kJ", NUTRIENTS[0][3])
    energy_kcal = _nutrient_field("Energy", "kcal", NUTRIENTS[1][3])
    fat = _nutrient_field("Fat", "g", Decimal(100))
    saturates = _nutrient_field("of which saturates", "g", Decimal(100))
    carbohydrate = _nutrient_field("Carbohydrate", "g", Decimal(100))
    sugars = _nutrient_field("of which sugars", "g", Decimal(100))
    protein = _nutrient_field("Protein", "g", Decimal(100))
    salt = _nutrient_field("Salt", "g", Decimal(100))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="raw_product_stock_non_negative"),
            models.CheckConstraint(condition=Q(reorder_level__gte=0), name="raw_product_reorder_level_non_negative"),
            *_nutrient_constraints("raw_product"),
        ]

    @property
    def ingredient_name(self):
        return self.label_name.strip() or self.name

    def __str__(self):
        return self.name


class FinishedProduct(TimeStampedModel):
    """A good the workshop makes from a recipe and sells to clients."""

    STOCK_LEDGER = StockedKind("finished_product", "stock_quantity", "unit_of_measure", lots=True)

    name = models.CharField(max_length=255, db_index=True)
    stock_quantity = models.DecimalField(**QUANTITY, validators=NON_NEGATIVE)
    unit_of_measure = UnitOfMeasureField()
    reorder_level = models.DecimalField(**QUANTITY, default=0, validators=NON_NEGATIVE, help_text=REORDER_HELP)
    comments = models.TextField(blank=True, default="")
    # Days from completion to a batch's use-by date (SPEC D); none: the batch's use-by follows its materials'.
    shelf_life_days = models.PositiveIntegerField(null=True, blank=True)
    # Mass after making ÷ mass of what went in (SPEC E): baking loses water (< 100); cooking rice or
    # soaking pulses in water the recipe does not list gains it (up to ~300 %). Above 500 % is a typo.
    yield_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_YIELD_PERCENT)],
        help_text="Mass after making ÷ mass of the ingredients, in % (a croissant that loses water: 85).",
    )
    net_weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        verbose_name="net weight (g)",
        help_text="Mass of one stock unit when the unit is not a mass (a croissant: 70). Unused for kg/g units.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="finished_product_stock_non_negative"),
            models.CheckConstraint(
                condition=Q(reorder_level__gte=0), name="finished_product_reorder_level_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(yield_percent__gt=0, yield_percent__lte=MAX_YIELD_PERCENT),
                name="finished_product_yield_in_range",
            ),
            models.CheckConstraint(
                condition=Q(net_weight_g__isnull=True) | Q(net_weight_g__gt=0),
                name="finished_product_net_weight_positive",
            ),
        ]

    def __str__(self):
        return self.name


class Supplier(TimeStampedModel):
    name = models.CharField(max_length=255, db_index=True)
    phone = models.CharField(max_length=50)
    email = models.EmailField(unique=True)
    website = models.URLField(blank=True, default="")
    contact_person = models.CharField(max_length=255)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    # E-mail is unique regardless of letter case. Storing it lower-cased lets the plain unique index
    # enforce that on every database (SQLite compares case-sensitively, MariaDB's collation does not).
    def clean(self):
        # Runs before the admin's uniqueness check, so that check sees the stored form.
        super().clean()
        self.normalise()

    def normalise(self):
        """The stored form (bulk writes, which skip save(), call it too)."""
        self.email = (self.email or "").strip().lower()

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)


class SupplierRawProduct(TimeStampedModel):
    """One line of a supplier's price list. Part of both parents: it goes when either is deleted."""

    # Its unit must convert to this product's stock unit (inventory.measures).
    UNIT_PRODUCT = "raw_product"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="price_list")
    raw_product = models.ForeignKey(RawProduct, on_delete=models.CASCADE, related_name="supplier_prices")
    unit_price = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    unit_of_measure = UnitOfMeasureField()

    class Meta:
        ordering = ["supplier_id", "raw_product_id"]
        verbose_name = "supplier price"
        verbose_name_plural = "supplier price list"
        constraints = [
            models.UniqueConstraint(fields=["supplier", "raw_product"], name="supplier_raw_product_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="supplier_price_non_negative"),
        ]

    def __str__(self):
        return f"{self.supplier} – {self.raw_product}"


class UnitConversion(models.Model):
    """One product's own equivalence between two kinds of unit, e.g. lemons: 1 kg = 400 ml of juice."""

    quantity_a = models.DecimalField(**QUANTITY, validators=POSITIVE)
    unit_a = UnitOfMeasureField()
    quantity_b = models.DecimalField(**QUANTITY, validators=POSITIVE)
    unit_b = UnitOfMeasureField()

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity_a:f} {self.unit_a} = {self.quantity_b:f} {self.unit_b}"

    def as_equivalence(self):
        return Equivalence(self.quantity_a, self.unit_a, self.quantity_b, self.unit_b)

    def clean(self):
        super().clean()
        if None in (self.quantity_a, self.quantity_b) or not self.unit_a or not self.unit_b:
            return  # the fields' own errors say what is missing
        try:
            self.as_equivalence()
        except UnitError as exc:
            raise ValidationError(str(exc)) from None


class RawProductConversion(UnitConversion):
    raw_product = models.ForeignKey(RawProduct, on_delete=models.CASCADE, related_name="conversions")

    class Meta(UnitConversion.Meta):
        verbose_name = "unit conversion"
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_a__gt=0, quantity_b__gt=0), name="raw_product_conversion_positive"
            ),
        ]


class FinishedProductConversion(UnitConversion):
    finished_product = models.ForeignKey(FinishedProduct, on_delete=models.CASCADE, related_name="conversions")

    class Meta(UnitConversion.Meta):
        verbose_name = "unit conversion"
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_a__gt=0, quantity_b__gt=0), name="finished_product_conversion_positive"
            ),
        ]


class StockMovement(models.Model):
    """Append-only ledger: one row for every change of any stocked item's quantity.

    Items are named by (item_type, item_id) rather than a foreign key so that the history of an item
    outlives the item, and so that every kind of stocked item (materials, finished goods, catalogue
    products) shares one ledger.
    """

    class ItemType(models.TextChoices):
        RAW_PRODUCT = "raw_product", "Raw product"
        FINISHED_PRODUCT = "finished_product", "Finished product"
        PRODUCT = "product", "Catalogue product"

    class Reason(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        SHIPMENT = "shipment", "Shipment"
        PRODUCTION_CONSUMPTION = "production_consumption", "Production consumption"
        PRODUCTION_OUTPUT = "production_output", "Production output"
        ADJUSTMENT = "adjustment", "Manual adjustment"
        CORRECTION = "correction", "Correction"
        ORDER_APPROVAL = "order_approval", "Order approval"
        ORDER_CANCELLATION = "order_cancellation", "Order cancellation"
        ORDER_DELETION = "order_deletion", "Order deletion"
        INITIAL = "initial", "Initial stock"
        WRITE_OFF = "write_off", "Write-off"

    item_type = models.CharField(max_length=20, choices=ItemType.choices)
    item_id = models.PositiveBigIntegerField()
    item_name = models.CharField(max_length=255, help_text="The item's name when the movement happened.")
    change = models.DecimalField(**QUANTITY)
    balance_after = models.DecimalField(**QUANTITY)
    unit_of_measure = models.CharField(max_length=20, blank=True, default="")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    # The document that caused the movement, e.g. ("raw_product_order", 12); empty for manual changes.
    source_type = models.CharField(max_length=40, blank=True, default="")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True, default="")
    # The lot that moved (raw and finished products); null for catalogue products and for history from
    # before lots whose item had no stock left to open a lot with.
    lot = models.ForeignKey("Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["item_type", "item_id", "-id"], name="stock_movement_item"),
            # What a document moved (an order given back on leaving "received", a production run).
            models.Index(fields=["source_type", "source_id"], name="stock_movement_source"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="stock_movement_balance_non_negative"),
        ]

    def __str__(self):
        return f"{self.item_name}: {self.change:+} ({self.get_reason_display()})"


class Lot(models.Model):
    """A quantity of one raw or finished product that came in (or was made) together, with its dates.

    Every unit of a raw or finished product's stock belongs to a lot: the item's `stock_quantity` is the sum
    of its lots' quantities, and both move together through inventory.services.stock_change (SPEC section D).
    Items are named by (item_type, item_id), as in the ledger. Catalogue products keep no lots.
    """

    class ItemType(models.TextChoices):
        RAW_PRODUCT = "raw_product", "Raw product"
        FINISHED_PRODUCT = "finished_product", "Finished product"

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        ON_HOLD = "on_hold", "On hold"

    class Source(models.TextChoices):
        RAW_PRODUCT_ORDER = "rawproductorder", "Receipt of a purchase order"
        PRODUCTION_PLAN = "productionplan", "Production run"
        ADJUSTMENT = "adjustment", "Manual adjustment"
        OPENING = "opening", "Opening stock"

    item_type = models.CharField(max_length=20, choices=ItemType.choices)
    item_id = models.PositiveBigIntegerField()
    code = models.CharField(max_length=64)
    quantity = models.DecimalField(**QUANTITY, validators=NON_NEGATIVE)
    initial_quantity = models.DecimalField(**QUANTITY, validators=NON_NEGATIVE)
    use_by = models.DateField(null=True, blank=True, help_text="Not to be used or sold after this date (safety).")
    best_before = models.DateField(null=True, blank=True, help_text="Best quality until this date.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AVAILABLE, db_index=True)
    # A supplier with lots cannot be deleted: the trace needs it (EU 178/2002 art. 18).
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="lots")
    supplier_lot_code = models.CharField(max_length=64, blank=True, default="")
    source_type = models.CharField(max_length=20, choices=Source.choices)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["item_type", "item_id", "use_by"], name="lot_item_expiry"),
            models.Index(fields=["source_type", "source_id"], name="lot_source"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["item_type", "item_id", "code"], name="lot_code_unique_per_item"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="lot_quantity_non_negative"),
            models.CheckConstraint(condition=Q(initial_quantity__gte=0), name="lot_initial_quantity_non_negative"),
            models.CheckConstraint(condition=Q(status__in=["available", "on_hold"]), name="lot_status_valid"),
        ]

    def __str__(self):
        return self.code

    @property
    def expired(self):
        return self.use_by is not None and self.use_by < timezone.localdate()


class LotEvent(models.Model):
    """Who held, released, recalled or wrote off a lot, when and why (append-only)."""

    class Action(models.TextChoices):
        HOLD = "hold", "Hold"
        RELEASE = "release", "Release"
        RECALL = "recall", "Recall"
        WRITE_OFF = "write_off", "Write-off"

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.CharField(max_length=255, blank=True, default="")
    quantity = models.DecimalField(**QUANTITY, null=True, blank=True, help_text="What a write-off took.")
    # The lot a recall started from, for the lots it put on hold downstream.
    recall_of = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.lot}: {self.get_action_display()}"


# --- Hub catalogue (SPEC section B "Catalogue") ------------------------------------------------------


class Category(TimeStampedModel):
    """A group of catalogue products. Names are unique whatever their letter case."""

    name = models.CharField(max_length=100)
    # The database computes the folded name, so the case-insensitive rule holds on SQLite (whose LIKE
    # and plain unique indexes are case-sensitive) as on MariaDB (which cannot index an expression).
    name_key = models.GeneratedField(
        expression=Lower("name"), output_field=models.CharField(max_length=100), db_persist=True
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "categories"
        # A constraint rather than unique=True: Django's MariaDB check misreads a generated column's length.
        constraints = [models.UniqueConstraint(fields=["name_key"], name="category_name_unique_ci")]

    def __str__(self):
        return self.name


class Product(TimeStampedModel):
    """A general stock item of the hub catalogue, with an optional photo."""

    STOCK_LEDGER = StockedKind("product", "quantity", None)

    name = models.CharField(max_length=255, db_index=True)
    # Deleting a category takes its products with it (SPEC), unless an order still names one of them.
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="products")
    quantity = models.DecimalField(**QUANTITY, default=0, validators=NON_NEGATIVE)
    description = models.TextField(blank=True, default="")
    # Always a server-chosen name under products/ holding a re-encoded image (inventory.images).
    image = models.ImageField(upload_to="products/", max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "catalogue product"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="product_quantity_non_negative"),
        ]

    def __str__(self):
        return self.name
