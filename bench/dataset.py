"""The benchmark's dataset: the earlier Stocky's demo shape, at any scale, written with bulk_create.

Scale 1 is the shape the earlier Stocky was measured on (120 raw products, 96 purchase orders, ...);
`scale=100` multiplies every table (12,000 raw products, 9,600 purchase orders, 10,000 catalogue
products, ...). A fractional scale makes the tiny dataset of the smoke test. Names, quantities and
prices come from a seeded random generator, so two loads at the same scale hold the same rows.

Every stocked item gets one `initial` ledger entry equal to its quantity, so that from the first
moment the ledger sums to the stock (the soak checks that it still does at the end).
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from inventory.models import Category, FinishedProduct, Product, RawProduct, StockMovement, Supplier, SupplierRawProduct
from orders.models import CatalogueOrder, Client, FinishedProductOrder, OrderStatus, RawProductOrder
from production.models import ProductionPlan, RecipeItem

# Rows per table at scale 1: the earlier Stocky's demo (raw products, suppliers, purchase orders) and
# a catalogue of the size its hub showed.
BASE = {
    "suppliers": 20,
    "raw_products": 120,
    "prices_per_raw_product": 2,
    "raw_product_orders": 96,
    "clients": 30,
    "finished_products": 40,
    "recipe_items_per_product": 3,
    "production_plans": 48,
    "finished_product_orders": 80,
    "categories": 8,
    "products": 100,
    "catalogue_orders": 200,
}
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password-1"
BATCH = 2000

MATERIALS = [
    ("Wheat flour T55", "kg"),
    ("Rye flour", "kg"),
    ("Cane sugar", "kg"),
    ("Butter", "kg"),
    ("Whole milk", "l"),
    ("Eggs", "unit"),
    ("Sea salt", "kg"),
    ("Dark chocolate 70%", "kg"),
    ("Vanilla pods", "unit"),
    ("Hazelnuts", "kg"),
    ("Almond powder", "kg"),
    ("Fresh yeast", "g"),
    ("Olive oil", "l"),
    ("Honey", "kg"),
    ("Cream 35%", "l"),
    ("Apricots", "kg"),
    ("Glass jars 250 ml", "unit"),
    ("Labels", "unit"),
]
GOODS = [
    ("Country loaf", "unit"),
    ("Butter croissant", "unit"),
    ("Hazelnut spread", "unit"),
    ("Apricot jam", "unit"),
    ("Chocolate tart", "unit"),
    ("Honey cake", "unit"),
    ("Brioche", "unit"),
    ("Almond biscuits", "kg"),
]
CITIES = [
    ("Lyon", "Auvergne-Rhône-Alpes"),
    ("Nantes", "Pays de la Loire"),
    ("Lille", "Hauts-de-France"),
    ("Bordeaux", "Nouvelle-Aquitaine"),
    ("Dijon", "Bourgogne-Franche-Comté"),
]
CATEGORY_NAMES = ["Packaging", "Tools", "Cleaning", "Spare parts", "Stationery", "Textiles", "Electrical", "Safety"]


def rows(base, scale, minimum=1):
    return max(minimum, round(base * scale))


def quantity(rng, low, high):
    return Decimal(rng.randint(low * 1000, high * 1000)) / 1000


def money(rng, low, high):
    return Decimal(rng.randint(low * 100, high * 100)) / 100


@dataclass
class Dataset:
    """What a load made: the ids the benchmark addresses, and the Admin to log in as."""

    scale: float
    counts: dict = field(default_factory=dict)
    raw_product_ids: list = field(default_factory=list)
    finished_product_ids: list = field(default_factory=list)
    product_ids: list = field(default_factory=list)
    plan_ids: list = field(default_factory=list)
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD


def _create(model, objects):
    model.objects.bulk_create(objects, batch_size=BATCH)
    # Ids in insertion order, read back rather than trusted from bulk_create (not every backend returns them).
    return list(model.objects.order_by("id").values_list("id", flat=True))


def _ledger_entries(model, item_type, quantity_field, unit_field):
    return [
        StockMovement(
            item_type=item_type,
            item_id=item["id"],
            item_name=item["name"],
            change=item[quantity_field],
            balance_after=item[quantity_field],
            unit_of_measure=item[unit_field] if unit_field else "",
            reason=StockMovement.Reason.INITIAL,
            note="benchmark dataset",
        )
        for item in model.objects.values("id", "name", quantity_field, *([unit_field] if unit_field else []))
        if item[quantity_field]
    ]


@transaction.atomic
def load(*, scale=1, seed=7, admin_password=ADMIN_PASSWORD):
    """Fill an empty database with the benchmark's rows; returns a Dataset naming what it made."""
    rng = random.Random(seed)
    now = timezone.now()
    data = Dataset(scale=scale, admin_password=admin_password)
    n = {name: rows(base, scale) for name, base in BASE.items()}

    admin = User.objects.create_user(
        email=ADMIN_EMAIL,
        password=admin_password,
        username="bench-admin",
        role=Role.ADMIN,
        first_name="Bench",
        last_name="Admin",
    )

    supplier_ids = _create(
        Supplier,
        [
            Supplier(
                name=f"Supplier {i:05d}",
                phone=f"+33 4 72 {i % 100:02d} {i // 100 % 100:02d} 00",
                email=f"orders{i}@supplier{i}.example.com",
                website=f"https://supplier{i}.example.com",
                contact_person=f"Contact {i}",
            )
            for i in range(1, n["suppliers"] + 1)
        ],
    )
    raw_materials = [MATERIALS[i % len(MATERIALS)] for i in range(n["raw_products"])]
    data.raw_product_ids = _create(
        RawProduct,
        [
            RawProduct(name=f"{name} #{i + 1}", stock_quantity=quantity(rng, 5, 500), unit_of_measure=unit)
            for i, (name, unit) in enumerate(raw_materials)
        ],
    )
    # Each material is sold by a few distinct suppliers (the pair is unique).
    per_product = min(BASE["prices_per_raw_product"], len(supplier_ids))
    prices = []
    for index, raw_id in enumerate(data.raw_product_ids):
        for supplier_id in rng.sample(supplier_ids, per_product):
            prices.append(
                SupplierRawProduct(
                    supplier_id=supplier_id,
                    raw_product_id=raw_id,
                    unit_price=money(rng, 1, 40),
                    unit_of_measure=raw_materials[index][1],
                )
            )
    _create(SupplierRawProduct, prices)
    _create(
        RawProductOrder,
        [
            RawProductOrder(
                raw_product_id=rng.choice(data.raw_product_ids),
                supplier_id=rng.choice(supplier_ids),
                quantity=quantity(rng, 1, 200),
                price=money(rng, 10, 2000),
                ordered_at=now - timedelta(days=rng.randint(0, 90)),
                expected_delivery_date=(now + timedelta(days=rng.randint(1, 30))).date(),
                status=rng.choice(OrderStatus.values),
            )
            for _ in range(n["raw_product_orders"])
        ],
    )

    client_ids = _create(
        Client,
        [
            Client(
                name=f"Client {i:05d}",
                phone=f"+33 1 40 {i % 100:02d} 00 00",
                email=f"client{i}@example.com",
                contact_person=f"Buyer {i}",
                client_type=rng.choice(Client.ClientType.values),
                address=f"{i} rue du Marché",
                city=(city := rng.choice(CITIES))[0],
                region=city[1],
            )
            for i in range(1, n["clients"] + 1)
        ],
    )
    data.finished_product_ids = _create(
        FinishedProduct,
        [
            FinishedProduct(
                name=f"{GOODS[i % len(GOODS)][0]} #{i + 1}",
                stock_quantity=quantity(rng, 0, 300),
                unit_of_measure=GOODS[i % len(GOODS)][1],
            )
            for i in range(n["finished_products"])
        ],
    )
    # Recipes and plans in their products' own units, so that a plan can be completed (the soak completes
    # plans; a "kg" of eggs counted in units is refused with a 400, as it should be).
    raw_units = {raw_id: unit for raw_id, (_name, unit) in zip(data.raw_product_ids, raw_materials, strict=False)}
    finished_units = {product_id: GOODS[i % len(GOODS)][1] for i, product_id in enumerate(data.finished_product_ids)}
    per_recipe = min(BASE["recipe_items_per_product"], len(data.raw_product_ids))
    recipe_items = []
    for product_id in data.finished_product_ids:
        for raw_id in rng.sample(data.raw_product_ids, per_recipe):
            recipe_items.append(
                RecipeItem(
                    finished_product_id=product_id,
                    raw_product_id=raw_id,
                    quantity_required=quantity(rng, 0, 2) or 1,
                    unit_of_measure=raw_units[raw_id],
                )
            )
    _create(RecipeItem, recipe_items)
    data.plan_ids = _create(
        ProductionPlan,
        [
            ProductionPlan(
                finished_product_id=(product_id := rng.choice(data.finished_product_ids)),
                planned_quantity=rng.randint(1, 20),
                unit_of_measure=finished_units[product_id],
                planned_production_date=now + timedelta(days=rng.randint(-10, 30)),
                planned_duration=money(rng, 1, 8),
                hourly_rate=money(rng, 15, 40),
            )
            for _ in range(n["production_plans"])
        ],
    )
    _create(
        FinishedProductOrder,
        [
            FinishedProductOrder(
                finished_product_id=rng.choice(data.finished_product_ids),
                client_id=rng.choice(client_ids),
                quantity=rng.randint(1, 50),
                sale_price=money(rng, 5, 800),
                ordered_at=now - timedelta(days=rng.randint(0, 60)),
                expected_delivery_date=now + timedelta(days=rng.randint(1, 20)),
                status=rng.choice(OrderStatus.values),
            )
            for _ in range(n["finished_product_orders"])
        ],
    )

    category_ids = _create(
        Category,
        [
            Category(name=CATEGORY_NAMES[i % len(CATEGORY_NAMES)] + ("" if i < len(CATEGORY_NAMES) else f" {i}"))
            for i in range(n["categories"])
        ],
    )
    data.product_ids = _create(
        Product,
        [
            Product(
                name=f"Item {i:06d}",
                category_id=rng.choice(category_ids),
                quantity=rng.randint(0, 500),
                description=f"Catalogue item {i}, stored in aisle {i % 40}",
            )
            for i in range(1, n["products"] + 1)
        ],
    )
    states = CatalogueOrder.State.values
    _create(
        CatalogueOrder,
        [
            CatalogueOrder(
                item_id=rng.choice(data.product_ids),
                client=f"Workshop {rng.randint(1, 50)}",
                description="Benchmark order",
                quantity=rng.randint(1, 5),
                state=rng.choice(states),
                created_by=admin,
            )
            for _ in range(n["catalogue_orders"])
        ],
    )

    StockMovement.objects.bulk_create(
        _ledger_entries(RawProduct, "raw_product", "stock_quantity", "unit_of_measure")
        + _ledger_entries(FinishedProduct, "finished_product", "stock_quantity", "unit_of_measure")
        + _ledger_entries(Product, "product", "quantity", None),
        batch_size=BATCH,
    )
    data.counts = {
        model._meta.model_name: model.objects.count()
        for model in (
            Supplier,
            RawProduct,
            SupplierRawProduct,
            RawProductOrder,
            Client,
            FinishedProduct,
            RecipeItem,
            ProductionPlan,
            FinishedProductOrder,
            Category,
            Product,
            CatalogueOrder,
            StockMovement,
        )
    }
    return data


def approval_pool(*, user, size, products=None, seed=11):
    """`size` Pending orders of 1 unit, spread over the catalogue, each approvable once.

    The products' stock is raised first (through the ledger) so that every approval can succeed:
    what the approval benchmark measures is the approval, not running out of stock.
    """
    from inventory.services import lock_items, stock_change

    rng = random.Random(seed)
    product_ids = products or list(Product.objects.order_by("id").values_list("id", flat=True))
    chosen = [rng.choice(product_ids) for _ in range(size)]
    needed = {}
    for product_id in chosen:
        needed[product_id] = needed.get(product_id, 0) + 1
    with transaction.atomic():
        locked = lock_items(Product, sorted(needed))
        for product_id, count in sorted(needed.items()):
            stock_change(
                item=locked[product_id],
                delta=count,
                reason=StockMovement.Reason.RECEIPT,
                user=user,
                note="benchmark approval pool",
            )
        first = CatalogueOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0
        CatalogueOrder.objects.bulk_create(
            [
                CatalogueOrder(
                    item_id=product_id,
                    client="Benchmark",
                    quantity=1,
                    state=CatalogueOrder.State.PENDING,
                    created_by=user,
                )
                for product_id in chosen
            ],
            batch_size=BATCH,
        )
    return list(
        CatalogueOrder.objects.filter(id__gt=first, client="Benchmark", state=CatalogueOrder.State.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
