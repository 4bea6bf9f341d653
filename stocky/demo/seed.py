"""The demo workshop: records made through the services, and months of work replayed through them.

`demo_seed` creates the accounts, suppliers, materials, price lists, products, recipes, clients and catalogue,
then replays the history day by day on a simulated clock (stocky.demo.clock): clients place orders, the head of
production plans runs from the orders due, materials are bought when they run low, deliveries are received,
runs are completed, orders are shipped and delivered, and the hub's catalogue orders are approved. Every stock
change goes through the services that the API uses (inventory.services, orders.services,
production.services), so each item's ledger adds up to its stock and reads in the order things happened.
The history stops at 6 this morning: orders due later are still open, later runs still planned, the first of the
day's runs in progress. The randomness comes from one fixed seed, so the same day gives the same demo; dates follow
the day you seed.
`--scale` adds bulk history on top (stocky.demo.scale).
"""

import datetime
import heapq
import itertools
import random
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from inventory.catalogue.services import category_create, product_create, product_quantity_change
from inventory.lots.services import lot_hold, lots_write_off
from inventory.measures import quantize_money, quantize_quantity
from inventory.models import (
    Category,
    FinishedProduct,
    FinishedProductConversion,
    Lot,
    LotEvent,
    Product,
    RawProduct,
    RawProductConversion,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from inventory.services import (
    finished_product_create,
    product_conversions_replace,
    raw_product_create,
    raw_product_update,
)
from inventory.units import Equivalence, convert
from orders.catalogue.services import catalogue_order_create, catalogue_order_transition
from orders.models import (
    CatalogueOrder,
    CatalogueOrderState,
    Client,
    FinishedProductOrder,
    OrderStatus,
    RawProductOrder,
)
from orders.services import (
    finished_product_order_create,
    finished_product_order_set_status,
    raw_product_order_create,
    raw_product_order_set_status,
)
from production.models import DeclarationChange, LotDeclaration, PlanStatus, ProductionPlan, RecipeComponent, RecipeItem
from production.services import (
    production_plan_cancel,
    production_plan_complete,
    production_plan_start,
    recipe_component_create,
)
from stocky.demo import data
from stocky.demo.clock import SimulatedClock
from stocky.demo.scale import scale_history
from stocky.demo.tiles import PALETTE, tile
from stocky.kit.errors import InsufficientStock

SEED = 1789
DEFAULT_WEEKS = 12
FUTURE_DAYS = 21  # how far ahead clients have ordered and runs are planned
# Shipped orders whose delivery nobody has confirmed yet: the latest few stay "shipped".
UNCONFIRMED_SHIPMENTS = 5

# Every table of business data, children before parents (the order in which `demo_delete` empties them),
# with the name the command's summary gives it.
BUSINESS_MODELS = {
    DeclarationChange: "declaration changes",
    LotDeclaration: "lot declarations",
    StockMovement: "stock movements",
    LotEvent: "lot events",
    Lot: "lots",
    CatalogueOrder: "hub orders",
    FinishedProductOrder: "sales orders",
    RawProductOrder: "purchase orders",
    ProductionPlan: "production plans",
    RecipeComponent: "recipe components",
    RecipeItem: "recipe items",
    SupplierRawProduct: "price-list rows",
    RawProductConversion: "material unit conversions",
    FinishedProductConversion: "product unit conversions",
    Product: "catalogue products",
    Category: "catalogue categories",
    Client: "clients",
    Supplier: "suppliers",
    FinishedProduct: "finished products",
    RawProduct: "raw materials",
}

COMMANDE, EXPEDIE, RECU, RUPTURE = (
    OrderStatus.COMMANDE,
    OrderStatus.EXPEDIE,
    OrderStatus.RECU,
    OrderStatus.RUPTURE_DE_STOCK,
)
Hub = CatalogueOrderState

# When each family's runs start (production for the day is done before the afternoon deliveries).
START_HOUR = {
    "bread": (3, 30),
    "viennoiserie": (4, 0),
    "pastry": (5, 0),
    "savoury": (5, 30),
    "biscuit": (6, 0),
    "grocery": (6, 0),
}
LONGEST_RUN_HOURS = Decimal(6)
# Shelf lives, as the labels give them: a family's finished goods (the products' shelf_life_days), in days
# after the run; a material's date, in days after its receipt: a use-by for the chilled goods that spoil, a
# best-before for the others (UHT milk, butter, eggs, hard cheese; fruit and vegetables carry no date by law, EU
# 1169/2011, the workshop notes one for their freshness). A batch's use-by is limited by its ingredients'
# use-by only (production_plan_complete), so biscuits keep their weeks while a cream tart follows its cream.
SHELF_LIFE_DAYS = {"bread": 2, "viennoiserie": 2, "pastry": 3, "savoury": 3, "biscuit": 60, "grocery": 180}
USE_BY_DAYS = {
    "Crème liquide 35 %": 14,
    "Crème fraîche épaisse": 14,
    "Mascarpone": 14,
    "Fromage frais à tartiner": 14,
    "Blancs d'œufs liquides": 28,
    "Jaunes d'œufs liquides": 28,
    "Fromage de chèvre frais": 12,
    "Jambon blanc supérieur": 8,
    "Lardons fumés": 14,
    "Saumon fumé d'Écosse": 10,
}
FRESH_BEST_BEFORE_DAYS = {
    "Lait entier": 60,
    "Œufs frais plein air": 28,
    "Comté 18 mois": 60,
    "Emmental râpé": 30,
    "Parmesan Reggiano": 90,
}
BUTTER_BEST_BEFORE_DAYS, PRODUCE_BEST_BEFORE_DAYS, DRY_BEST_BEFORE_DAYS = 45, 7, 240
# Days of use that a material's stock should cover: reorder below the first figure, order the second (fresh
# goods by the week, so that little reaches its date on the shelf).
FRESH_COVER, DRY_COVER = (4, 8), (14, 56)
# Days of use kept back whatever the day (a late delivery, a large order taken at short notice), one large run
# on top: a run never leaves less than that of a material in lots still usable FRESH_SAFETY_DAYS later, an
# urgent purchase tops it up. So a small run planned weeks ahead finds the usual materials (docs/tutorial.md).
FRESH_SAFETY_DAYS, DRY_SAFETY_DAYS = 3, 7


def label_dates(spec, received):
    """{"use_by" or "best_before": date} on the label of a material received on `received` (data.Material)."""
    if spec.name in USE_BY_DAYS:
        return {"use_by": received + datetime.timedelta(days=USE_BY_DAYS[spec.name])}
    if not spec.fresh:
        days = DRY_BEST_BEFORE_DAYS
    elif spec.name.startswith("Beurre"):
        days = BUTTER_BEST_BEFORE_DAYS
    else:
        days = FRESH_BEST_BEFORE_DAYS.get(spec.name, PRODUCE_BEST_BEFORE_DAYS)
    return {"best_before": received + datetime.timedelta(days=days)}


def next_working_day(day):
    return day + datetime.timedelta(days=2 if day.weekday() == 5 else 1)  # Sunday is closed


def expiring_before(day, *, fresh):
    """The lots unusable on `day`: past their use-by, or fresh materials (pks `fresh`) past their best."""
    past_its_best = Q(item_type=Lot.ItemType.RAW_PRODUCT, item_id__in=fresh, best_before__lt=day)
    return Q(use_by__lt=day) | past_its_best


def has_business_data():
    return any(model.objects.exists() for model in BUSINESS_MODELS)


def business_data_counts():
    """{"suppliers": 21, ...} for every business table that has rows."""
    counts = {}
    for model, label in reversed(BUSINESS_MODELS.items()):
        if number := model.objects.count():
            counts[label] = number
    return counts


def demo_present():
    """Whether the demo is what the database holds: business data and every demo account."""
    return has_business_data() and User.objects.filter(email__in=data.DEMO_EMAILS).count() == len(data.USERS)


@transaction.atomic
def demo_delete():
    """Delete every business record (the ledger included) and the demo accounts; other accounts stay."""
    storage = Product._meta.get_field("image").storage
    images = list(Product.objects.exclude(image="").values_list("image", flat=True))
    for model in BUSINESS_MODELS:
        model.objects.all().delete()
    User.objects.filter(email__in=data.DEMO_EMAILS).delete()
    for name in images:  # files go once the rows are gone for good
        transaction.on_commit(lambda name=name: storage.delete(name), robust=True)


@transaction.atomic
def demo_seed(*, weeks=DEFAULT_WEEKS, scale=1, progress=None, now=None):
    """Fill an empty database with the demo workshop and `weeks` of its history; `scale` > 1 multiplies its
    orders and plans with bulk history (stocky.demo.scale). `progress(total, description, unit)` makes a bar."""
    # The history runs up to 6 this morning, when the first runs of the day are in the oven, so that the demo is
    # the same whatever the hour of seeding (before 6, up to now: nothing is recorded in the future).
    if now is None:
        now = timezone.localtime()
        now = min(now, now.replace(hour=6, minute=0, second=0, microsecond=0))
    workshop = Workshop(now=now, weeks=weeks, progress=progress or _no_progress)
    with workshop.clock.running():
        workshop.build()
        workshop.replay()
        workshop.plan_ahead()
        workshop.ensure_every_status()
        workshop.hold_a_lot()
        workshop.set_passwords()
    if scale > 1:
        scale_history(copies=scale - 1, today=workshop.today, progress=progress or _no_progress)


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _no_progress(total, description, unit):
    return _NoBar()


def nice_ceil(quantity, *, whole=False):
    """`quantity` rounded up to a figure a buyer would order: 37 -> 40, 0.37 -> 0.4, 7.2 -> 8, 370 -> 400;
    `whole` for counted units (at least 1)."""
    quantity = Decimal(quantity)
    if quantity <= 0:
        return Decimal(1)
    magnitude = Decimal(1).scaleb(quantity.adjusted())
    step = magnitude if quantity / magnitude >= 5 else magnitude / 2
    step = max(step, Decimal("0.001"))
    if whole:
        step = max(step, Decimal(1)).to_integral_value(rounding=ROUND_CEILING)
    return ((quantity / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(Decimal("0.001"))


def equivalences(pairs):
    return tuple(Equivalence(Decimal(a), unit_a, Decimal(b), unit_b) for (a, unit_a), (b, unit_b) in pairs)


def is_count(unit):
    return unit in ("unit", "dozen")


@dataclass
class Sale:
    """A client's order, known before it is placed."""

    stocked: "Stocked"
    client: Client
    quantity: Decimal  # in `unit`
    unit: str
    stock_quantity: Decimal  # in the product's stock unit
    price: Decimal
    ordered_at: datetime.datetime
    delivery: datetime.datetime
    record: FinishedProductOrder = None
    status: str = ""  # "" until placed


@dataclass
class Run:
    product: data.Product
    output: Decimal  # planned, in the product's stock unit
    date: datetime.datetime
    record: ProductionPlan = None
    open: bool = True


@dataclass
class Stocked:
    """A material or product and what the simulation knows of it."""

    spec: object
    record: object = None
    conversions: tuple = ()
    daily: Decimal = Decimal(0)  # average use per day, in the stock unit
    peak: Decimal = Decimal(0)  # what one large run may take at once, in the stock unit
    prices: list = field(default_factory=list)  # SupplierRawProduct rows


class Workshop:
    def __init__(self, *, now, weeks, progress):
        self.rng = random.Random(SEED)
        self.now = now
        self.today = timezone.localdate(now)
        self.first_day = self.today - datetime.timedelta(weeks=weeks)
        self.clock = SimulatedClock(self.at(self.first_day - datetime.timedelta(days=1), 18))
        self.progress = progress
        self.events, self.sequence, self.replaying = [], itertools.count(), False
        self.sales, self.runs = [], {}
        self.materials, self.products = {}, {}
        self.on_order = {}  # raw product pk -> quantity on open purchase orders, in its stock unit

    # --- time ------------------------------------------------------------------------------------

    def at(self, day, hour, minute=0):
        """An aware date-time on `day` in the server's time zone."""
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def days(self, first, last):
        """Working days (Monday to Saturday) from `first` to `last`, included."""
        day = first
        while day <= last:
            if day.weekday() != 6:
                yield day
            day += datetime.timedelta(days=1)

    def working_hours(self, moment):
        """`moment`, or the next morning if it falls outside the day's work (8:00 to 19:00)."""
        local = timezone.localtime(moment)
        if 8 <= local.hour < 19:
            return moment
        day = local.date() + datetime.timedelta(days=1 if local.hour >= 19 else 0)
        return self.at(day, 8, local.minute)

    def schedule(self, when, action, *args):
        """Replay `action(*args)` at `when`, if that moment has come; later events do not happen."""
        if self.replaying and when <= self.now:
            heapq.heappush(self.events, (max(when, self.clock.now), next(self.sequence), action, args))

    def replay(self):
        self.replaying = True
        for day in self.days(self.first_day, self.today):
            if day.weekday() in (0, 3):  # purchasing rounds, Monday and Thursday mornings
                self.schedule(self.at(day, 10), self.purchasing_round)
            if day < self.today:
                self.schedule(self.at(day, 19), self.throw_away_expiring, day)
            self.schedule(self.at(day - datetime.timedelta(days=1), 16), self.planning_round, day)
        for sale in self.sales:
            self.schedule(sale.ordered_at, self.sale_place, sale)
        self.schedule_hub_orders()
        bar = self.progress((self.today - self.first_day).days + 1, "Replaying the workshop's history", "days")
        shown = self.first_day
        while self.events:
            when, _, action, args = heapq.heappop(self.events)
            self.clock.set(when)
            action(*args)
            while shown < min(timezone.localdate(when), self.today):
                shown += datetime.timedelta(days=1)
                bar.update(1)
        bar.update((self.today - shown).days + 1)
        bar.close()
        self.replaying = False
        self.clock.set(self.now)

    # --- records ---------------------------------------------------------------------------------

    def build(self):
        """Accounts, suppliers, materials, products, recipes, clients and catalogue, as on the eve of the
        history; then the orders clients will place."""
        self.users = {}
        for spec in data.USERS:
            user = User.objects.filter(email=spec.email).first() or User(email=spec.email)
            user.username, user.first_name, user.last_name = spec.username, spec.first_name, spec.last_name
            user.role, user.is_active, user.date_joined = spec.role, True, self.clock.now
            user.set_unusable_password()  # until set_passwords, at the end
            user.save()
            self.users[spec.role] = user
        # Hashing the four passwords costs about 2 s of CPU (PBKDF2, by design): done in threads while the
        # history replays (hashlib lets go of the GIL), then written by set_passwords in the same transaction.
        hashing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-passwords")
        self.password_hashes = {spec.email: hashing.submit(make_password, spec.password) for spec in data.USERS}
        hashing.shutdown(wait=False)
        self.admin, self.manager, self.cook = self.users["Admin"], self.users["Manager"], self.users["User"]

        self.suppliers = {}
        for key, (name, contact, phone, slug, website, lead) in data.SUPPLIERS.items():
            supplier = Supplier.objects.create(
                name=name,
                contact_person=contact,
                phone=phone,
                email=f"contact@{slug}.example",
                website=f"https://www.{slug}.example" if website else "",
            )
            supplier.lead_days = lead
            self.suppliers[key] = supplier

        self.clients = []
        for name, contact, kind, address, city, region, website in data.CLIENTS:
            slug = slugify(name)
            personal = kind == data.PARTICULIER
            email = ""
            if not personal:
                email = f"contact@{slug}.example"
            elif self.rng.random() < 0.7:
                email = f"{slug.replace('-', '.')}@mail.example"
            self.clients.append(
                Client(
                    name=name,
                    contact_person=contact,
                    client_type=kind,
                    address=address,
                    city=city,
                    region=region,
                    phone=self.phone(mobile=personal),
                    email=email,
                    website=f"https://www.{slug}.example" if website else "",
                )
            )
        self.clients = Client.objects.bulk_create(self.clients)

        for spec in data.PRODUCTS:
            self.products[spec.name] = Stocked(spec, conversions=equivalences(spec.conversions))
        for spec in data.MATERIALS:
            self.materials[spec.name] = Stocked(spec, conversions=equivalences(spec.conversions))
        self.recipes = {
            spec.name: [
                (
                    self.materials[name],
                    Decimal(quantity),
                    unit,
                    convert(
                        Decimal(quantity),
                        unit,
                        self.materials[name].spec.unit,
                        conversions=self.materials[name].conversions,
                    ),
                )
                for name, quantity, unit in spec.recipe
            ]
            for spec in data.PRODUCTS
        }
        self.components = {spec.name: self.component_lines(spec) for spec in data.PRODUCTS}
        self.plan_sales()
        self.estimate_use()
        self.create_materials()
        self.fresh_pks = [material.record.pk for material in self.materials.values() if material.spec.fresh]
        self.create_products()
        self.date_opening_lots()
        self.create_catalogue()

    def component_lines(self, spec):
        """[(the component's Stocked, quantity, unit, quantity in its stock unit)] for one stock unit of `spec`."""
        lines = []
        for name, quantity, unit in spec.components:
            component = self.products[name]
            per_unit = convert(Decimal(quantity), unit, component.spec.unit, conversions=component.conversions)
            lines.append((component, Decimal(quantity), unit, per_unit))
        return lines

    def phone(self, *, mobile):
        prefix = self.rng.choice(["06", "07"]) if mobile else self.rng.choice(["04 72", "04 78"])
        pairs = 4 if mobile else 3
        return " ".join([prefix, *(f"{self.rng.randrange(100):02d}" for _ in range(pairs))])

    def plan_sales(self):
        """Every order the clients place during the history and up to now, for delivery up to three weeks ahead."""
        by_type = {}
        for stocked in self.products.values():
            for kind in stocked.spec.orders:
                by_type.setdefault(kind, []).append(stocked)
        for client in self.clients:
            staples = [self.products[name] for name in data.STAPLES[client.client_type]]
            others = [stocked for stocked in by_type[client.client_type] if stocked not in staples]
            least, most = data.FAVOURITES[client.client_type]
            favourites = staples * 2 + self.rng.sample(others, min(len(others), self.rng.randint(least, most)))
            chance = data.ORDER_RATE[client.client_type] / 6
            # Restaurants keep standing orders a week or two ahead; a family cake is ordered for the day.
            lead_days = {data.RESTAURANT: (1, 12), data.EPICERIE: (4, 14), data.PARTICULIER: (2, 21)}
            lead_days = lead_days[client.client_type]
            for day in self.days(self.first_day, self.today + datetime.timedelta(days=FUTURE_DAYS)):
                if self.rng.random() >= chance:
                    continue
                stocked = self.rng.choice(favourites)
                least, most, unit = stocked.spec.orders[client.client_type]
                step = 50 if unit == "g" else 1
                quantity = Decimal(self.rng.randrange(least, most + 1, step) if most > least else least)
                ordered = self.at(
                    day - datetime.timedelta(days=self.rng.randint(*lead_days)),
                    self.rng.randint(8, 15),
                    self.rng.choice([0, 15, 30, 45]),
                )
                if ordered > self.now or ordered < self.at(self.first_day, 8):
                    continue  # not placed yet, or before the history starts
                delivery = self.at(day, self.rng.randint(14, 17), self.rng.choice([0, 15, 30, 45]))
                in_stock_unit = convert(quantity, unit, stocked.spec.unit, conversions=stocked.conversions)
                price = quantize_money(
                    in_stock_unit * Decimal(stocked.spec.price) * Decimal(data.DISCOUNT[client.client_type])
                )
                self.sales.append(Sale(stocked, client, quantity, unit, in_stock_unit, price, ordered, delivery))
        self.sales.sort(key=lambda sale: sale.ordered_at)
        self.sales_of = {}
        for sale in self.sales:
            self.sales_of.setdefault(sale.stocked.spec.name, []).append(sale)
        # The latest shipments wait for their delivery to be confirmed.
        shipped = sorted(
            (s for s in self.sales if s.delivery - datetime.timedelta(minutes=45) <= self.now),
            key=lambda sale: sale.delivery,
        )
        self.unconfirmed = {id(sale) for sale in shipped[-UNCONFIRMED_SHIPMENTS:]}

    def estimate_use(self):
        """Average daily demand of each product (past orders, a little more for rounded runs) and so each
        material's daily use: what the buyer orders against."""
        days = Decimal(max(1, (self.today - self.first_day).days))
        for sale in self.sales:
            if sale.delivery <= self.now:
                sale.stocked.daily += sale.stock_quantity / days
        for stocked in self.products.values():  # the dough is used as the croissants sell
            for component, _quantity, _unit, per_unit in self.components[stocked.spec.name]:
                component.daily += stocked.daily * per_unit
        for stocked in self.products.values():
            stocked.daily *= Decimal("1.2")
            cover = data.FAMILIES[stocked.spec.family][2]
            large_run = max(Decimal(stocked.spec.step), stocked.daily * cover * 2)
            for material, _quantity, _unit, per_unit in self.recipes[stocked.spec.name]:
                material.daily += stocked.daily * per_unit
                material.peak = max(material.peak, large_run * per_unit)

    def create_materials(self):
        rows = []
        for material in self.materials.values():
            spec = material.spec
            if material.daily:
                cover = (FRESH_COVER if spec.fresh else DRY_COVER)[1]
                initial = nice_ceil(
                    material.daily * cover * Decimal(self.rng.uniform(1.0, 1.4)) + material.peak,
                    whole=is_count(spec.unit),
                )
            else:
                initial = {"unit": Decimal(50), "g": Decimal(500)}.get(spec.unit, Decimal(5))
            material.record = raw_product_create(
                user=self.admin,
                name=spec.name,
                unit_of_measure=spec.unit,
                stock_quantity=initial,
                reorder_level=self.reorder_level(material),
                **data.declaration_fields(spec.name),  # allergens, nutrition (SPEC E)
            )
            if material.conversions:
                product_conversions_replace(product=material.record, conversions=material.conversions)
            sellers = spec.sellers.split()
            count = min(len(sellers), self.rng.choice([1, 2, 2, 3]))
            chosen = [sellers[0], *self.rng.sample(sellers[1:], count - 1)]
            units = spec.sold_in or (spec.unit,)
            for index, key in enumerate(chosen):
                unit = units[index % len(units)] if index else units[0]
                per_stock_unit = Decimal(spec.price) * Decimal(self.rng.uniform(0.9, 1.15) if index else 1)
                if key == "grossiste":
                    per_stock_unit *= Decimal("1.1")  # the cash-and-carry is handy, not cheap
                one = convert(1, unit, spec.unit, conversions=material.conversions)
                row = SupplierRawProduct(
                    supplier=self.suppliers[key],
                    raw_product=material.record,
                    unit_of_measure=unit,
                    unit_price=max(Decimal("0.01"), quantize_money(per_stock_unit * one)),
                )
                rows.append(row)
                material.prices.append(row)
        SupplierRawProduct.objects.bulk_create(rows)

    def reorder_level(self, material):
        """What the buyer watches: the days of use the purchasing rounds reorder at (four of fresh, two weeks of
        dry goods) above the safety stock, so that the admin's home lists what runs low between two deliveries."""
        if not material.daily:
            return 0
        days = (FRESH_COVER if material.spec.fresh else DRY_COVER)[0]
        return nice_ceil(material.daily * days + self.safety_stock(material), whole=is_count(material.spec.unit))

    def create_products(self):
        items = []
        for stocked in self.products.values():
            spec = stocked.spec
            keeps = spec.family in ("biscuit", "grocery")
            initial = nice_ceil(stocked.daily * 5, whole=is_count(spec.unit)) if keeps and stocked.daily else 0
            stocked.record = finished_product_create(
                user=self.admin,
                name=spec.name,
                unit_of_measure=spec.unit,
                comments=spec.comments,
                stock_quantity=initial,
                shelf_life_days=SHELF_LIFE_DAYS[spec.family],
                # What keeps (biscuits, jars) is made ahead: two days of sales on the shelf.
                reorder_level=nice_ceil(stocked.daily * 2, whole=is_count(spec.unit)) if keeps and stocked.daily else 0,
                **data.label_fields(spec),  # yield and net weight (SPEC E)
            )
            if stocked.conversions:
                product_conversions_replace(product=stocked.record, conversions=stocked.conversions)
            for material, quantity, unit, _per_unit in self.recipes[spec.name]:
                items.append(
                    RecipeItem(
                        finished_product=stocked.record,
                        raw_product=material.record,
                        quantity_required=quantity,
                        unit_of_measure=unit,
                    )
                )
        RecipeItem.objects.bulk_create(items)
        for stocked in self.products.values():
            for component, quantity, unit, _per_unit in self.components[stocked.spec.name]:
                recipe_component_create(
                    user=self.admin,
                    finished_product=stocked.record,
                    component=component.record,
                    quantity_required=quantity,
                    unit_of_measure=unit,
                )

    def create_catalogue(self):
        self.catalogue = []
        for index, (category_name, items) in enumerate(data.CATALOGUE.items()):
            category = category_create(name=category_name)
            for name, quantity, description, has_image in items:
                image = tile(name, PALETTE[index % len(PALETTE)]) if has_image else None
                self.catalogue.append(
                    product_create(
                        name=name,
                        category=category,
                        description=description,
                        quantity=quantity,
                        image=image,
                        user=self.admin,
                        note="Opening inventory",
                    )
                )

    # --- sales -----------------------------------------------------------------------------------

    def sale_place(self, sale):
        sale.record = finished_product_order_create(
            user=self.manager,
            finished_product=sale.stocked.record,
            client=sale.client,
            quantity=sale.quantity,
            unit_of_measure=sale.unit,
            sale_price=sale.price,
            ordered_at=sale.ordered_at,
            expected_delivery_date=sale.delivery,
        )
        sale.status = COMMANDE
        self.schedule(sale.delivery - datetime.timedelta(minutes=45), self.sale_ship, sale)

    def sale_ship(self, sale):
        try:
            finished_product_order_set_status(order=sale.record, status=EXPEDIE, user=self.manager)
        except InsufficientStock:
            # The run that should have made it was cancelled, or made less: the client is told.
            finished_product_order_set_status(order=sale.record, status=RUPTURE, user=self.manager)
            sale.status = RUPTURE
            return
        sale.status = EXPEDIE
        if id(sale) not in self.unconfirmed:
            self.schedule(sale.delivery + datetime.timedelta(hours=3), self.sale_confirm, sale)

    def sale_confirm(self, sale):
        finished_product_order_set_status(order=sale.record, status=RECU, user=self.manager)
        sale.status = RECU

    # --- production ------------------------------------------------------------------------------

    def planning_round(self, day):
        """The afternoon before `day`: plan a run of each product whose orders due soon exceed what is in stock
        or already planned."""
        stock = dict(FinishedProduct.objects.values_list("pk", "stock_quantity"))
        for stocked in self.products.values():
            self.plan_if_needed(stocked, day, stock[stocked.record.pk])

    def plan_if_needed(self, stocked, day, on_hand):
        spec = stocked.spec
        rate, setup, cover = data.FAMILIES[spec.family]
        start, end = self.at(day, 0), self.at(day + datetime.timedelta(days=cover), 0)
        # Only the orders placed so far, not yet shipped.
        mine = [sale for sale in self.sales_of.get(spec.name, ()) if sale.status == COMMANDE]
        due = sum((sale.stock_quantity for sale in mine if start <= sale.delivery < end), Decimal(0))
        if not due:
            return None
        due_before = sum((sale.stock_quantity for sale in mine if sale.delivery < start), Decimal(0))
        planned = sum((run.output for run in self.runs.get(spec.name, []) if run.open and run.date < end), Decimal(0))
        need = due - (on_hand + planned - due_before)
        if need <= 0:
            return None
        step = Decimal(spec.step)
        output = (need / step).to_integral_value(rounding=ROUND_CEILING) * step
        unit = spec.plan_unit or spec.unit
        quantity = quantize_quantity(convert(output, spec.unit, unit, conversions=stocked.conversions))
        hours = min(LONGEST_RUN_HOURS, Decimal(setup) + output * Decimal(spec.minutes) / 60)
        hours = (hours * 4).to_integral_value(rounding=ROUND_CEILING) / 4
        hour, minute = START_HOUR[spec.family]
        run = Run(spec, output, self.at(day, hour, minute))
        run.record = ProductionPlan.objects.create(
            finished_product=stocked.record,
            planned_quantity=quantity,
            unit_of_measure=unit,
            planned_production_date=run.date,
            planned_duration=hours,
            hourly_rate=Decimal(rate),
        )
        self.runs.setdefault(spec.name, []).append(run)
        self.plan_components(run)
        if self.rng.random() < 0.05:  # an oven down, a cook ill: the run does not happen
            self.schedule(self.clock.now + datetime.timedelta(hours=2), self.run_cancel, run)
            return run
        self.schedule(run.date, self.run_start, run)
        actual = quantize_money(hours * Decimal(self.rng.uniform(0.85, 1.1)))
        self.schedule(run.date + datetime.timedelta(hours=float(actual)), self.run_complete, run, actual)
        return run

    def run_cancel(self, run):
        production_plan_cancel(plan=run.record, user=self.manager)
        run.open = False

    def run_start(self, run):
        production_plan_start(plan=run.record, user=self.cook)

    def run_complete(self, run, actual):
        spec = run.product
        produced = run.record.planned_quantity
        if self.rng.random() < 0.08 and spec.step < run.output:  # a tray lost
            produced = quantize_quantity(produced * (run.output - spec.step) / run.output)
        output = run.output * produced / run.record.planned_quantity
        self.make_missing_components(spec, output)
        self.buy_what_is_missing(spec, output)
        production_plan_complete(plan=run.record, produced_quantity=produced, actual_duration=actual, user=self.cook)
        run.open = False

    def plan_components(self, run):
        """The dough a run needs (less what is in stock), planned the evening before, so that it is made
        before the run draws it (SPEC E); its run completes as every run does."""
        for component, _quantity, _unit, per_unit in self.components[run.product.name]:
            component.record.refresh_from_db(fields=["stock_quantity"])
            need = per_unit * run.output - component.record.stock_quantity
            if need <= 0:
                continue
            spec = component.spec
            step = Decimal(spec.step)
            output = (need / step).to_integral_value(rounding=ROUND_CEILING) * step
            rate, setup, _cover = data.FAMILIES[spec.family]
            hours = Decimal(setup) + output * Decimal(spec.minutes) / 60
            hours = (hours * 4).to_integral_value(rounding=ROUND_CEILING) / 4
            made = Run(spec, output, run.date - datetime.timedelta(hours=10))
            made.record = ProductionPlan.objects.create(
                finished_product=component.record,
                planned_quantity=output,
                unit_of_measure=spec.unit,
                planned_production_date=made.date,
                planned_duration=hours,
                hourly_rate=Decimal(rate),
            )
            self.runs.setdefault(spec.name, []).append(made)
            self.schedule(made.date, self.run_start, made)
            self.schedule(made.date + datetime.timedelta(hours=float(hours)), self.run_complete, made, hours)

    def make_missing_components(self, spec, output):
        """Before a run: the dough it would lack (its evening run cancelled, a bigger run), made at once."""
        for component, _quantity, _unit, per_unit in self.components[spec.name]:
            self.produce_now(component, quantize_quantity(per_unit * output))

    def buy_what_is_missing(self, spec, output):
        """Before a run: an urgent purchase, received at once, of what the run would lack, or would leave below
        the material's safety stock. Only lots that are not on hold and will last are counted: cream past its
        use-by still in the cold room is no cream to a cook (production refuses it)."""
        lines = self.recipes[spec.name]
        day = timezone.localdate(self.clock.now)
        kept = self.lasting_stock([m.record.pk for m, *_ in lines], after=day)
        for material, _quantity, _unit, per_unit in lines:
            needed = quantize_quantity(per_unit * output)
            short = needed + self.safety_stock(material) - kept.get(material.record.pk, 0)
            if short > 0:
                order = self.purchase(material, short + material.daily * 2, urgent=True)
                self.receive(order)
                self.on_order[material.record.pk] -= order.stock_quantity

    def safety_stock(self, material):
        """What a run must leave of `material`: a few days of use and one large run (a late delivery, a large
        order taken at short notice)."""
        days = FRESH_SAFETY_DAYS if material.spec.fresh else DRY_SAFETY_DAYS
        return material.daily * days + material.peak

    def lasting_stock(self, pks, *, after):
        """{raw product pk: what its lots hold that is not on hold and still usable FRESH_SAFETY_DAYS after the
        day `after`}: cream that expires on Sunday is no safety stock on Saturday."""
        following = after + datetime.timedelta(days=FRESH_SAFETY_DAYS)
        lasting = (
            Lot.objects.filter(item_type=Lot.ItemType.RAW_PRODUCT, item_id__in=pks, quantity__gt=0)
            .exclude(status=Lot.Status.ON_HOLD)
            .exclude(expiring_before(following, fresh=self.fresh_pks))
            .values_list("item_id")
            .annotate(total=Sum("quantity"))
        )
        return {pk: quantize_quantity(total) for pk, total in lasting}

    def plan_ahead(self):
        """Runs for the orders already placed for the coming weeks, planned now."""
        tomorrow = self.today + datetime.timedelta(days=1)
        for day in self.days(tomorrow, self.today + datetime.timedelta(days=FUTURE_DAYS)):
            stock = dict(FinishedProduct.objects.values_list("pk", "stock_quantity"))
            for stocked in self.products.values():
                self.plan_if_needed(stocked, day, stock[stocked.record.pk])

    # --- purchasing ------------------------------------------------------------------------------

    def purchasing_round(self):
        stock = dict(RawProduct.objects.values_list("pk", "stock_quantity"))
        for material in self.materials.values():
            if not material.daily:
                continue
            reorder, cover = FRESH_COVER if material.spec.fresh else DRY_COVER
            position = stock[material.record.pk] + self.on_order.get(material.record.pk, 0)
            # Enough for the usual days until the next round, on top of the safety stock.
            safety = self.safety_stock(material)
            if position < material.daily * reorder + safety:
                self.purchase(material, material.daily * cover + safety)

    def purchase(self, material, quantity, *, urgent=False):
        """A purchase order for at least `quantity` (stock unit) from the cheapest seller, or sometimes another."""
        by_price = sorted(
            material.prices,
            key=lambda row: (
                row.unit_price / convert(1, row.unit_of_measure, material.spec.unit, conversions=material.conversions)
            ),
        )
        row = by_price[0] if urgent or self.rng.random() < 0.7 else self.rng.choice(by_price)
        unit = row.unit_of_measure
        amount = nice_ceil(
            convert(quantity, material.spec.unit, unit, conversions=material.conversions), whole=is_count(unit)
        )
        lead = 0 if urgent else row.supplier.lead_days
        expected = timezone.localdate(self.clock.now) + datetime.timedelta(days=lead)
        if expected.weekday() == 6:
            expected += datetime.timedelta(days=1)
        order = raw_product_order_create(
            user=self.manager,
            raw_product=material.record,
            supplier=row.supplier,
            quantity=amount,
            unit_of_measure=unit,
            price=quantize_money(amount * row.unit_price),
            ordered_at=self.clock.now,
            expected_delivery_date=expected,
        )
        order.stock_quantity = quantize_quantity(
            convert(amount, unit, material.spec.unit, conversions=material.conversions)
        )
        order.material = material
        pk = material.record.pk
        self.on_order[pk] = self.on_order.get(pk, 0) + order.stock_quantity
        if not urgent:
            dispatched = self.at(expected - datetime.timedelta(days=1), 15)
            chance = self.rng.random()
            if chance < 0.04:
                self.schedule(dispatched, self.purchase_out_of_stock, order)
                return order
            if chance < 0.45:
                self.schedule(dispatched, self.purchase_dispatched, order)
            self.schedule(self.at(expected, 7, self.rng.choice([0, 20, 40])), self.purchase_receive, order)
        return order

    def purchase_dispatched(self, order):
        raw_product_order_set_status(order=order, status=EXPEDIE, user=self.manager)

    def purchase_receive(self, order):
        self.receive(order)
        self.on_order[order.raw_product_id] -= order.stock_quantity

    def receive(self, order):
        """The delivery received as a lot with the dates on its label (SPEC D): a fresh material's use-by, a dry
        good's best-before, and the supplier's own lot code."""
        day = timezone.localdate(self.clock.now)
        # The same code in every seeding (not the order's id, which a --reset does not reuse).
        code = f"L{day:%y%m%d}-{zlib.crc32(order.material.spec.name.encode()) % 1000:03d}"
        label = {"supplier_lot_code": code, **label_dates(order.material.spec, day)}
        raw_product_order_set_status(order=order, status=RECU, user=self.manager, lot=label)

    def purchase_out_of_stock(self, order):
        """The supplier cannot deliver: the order is marked so, and the material bought elsewhere."""
        raw_product_order_set_status(order=order, status=RUPTURE, user=self.manager)
        self.on_order[order.raw_product_id] -= order.stock_quantity
        self.purchase(order.material, order.stock_quantity)

    # --- hub catalogue orders --------------------------------------------------------------------

    def schedule_hub_orders(self):
        span = (self.now - self.at(self.first_day, 8)).total_seconds()
        for _ in range(3 * (self.today - self.first_day).days // 7 + 6):
            moment = self.at(self.first_day, 8) + datetime.timedelta(seconds=self.rng.uniform(0, span))
            moment = moment.replace(hour=self.rng.randint(8, 18))
            if moment <= self.now:
                self.schedule(moment, self.hub_order_create)

    def hub_order_create(self):
        item = self.rng.choice(self.catalogue)
        item.refresh_from_db(fields=["quantity"])
        quantity = Decimal(self.rng.randint(1, 4))
        if item.quantity < quantity:
            self.restock(item, quantity)
        draft = self.rng.random() < 0.25
        order = catalogue_order_create(
            item_id=item.pk,
            client=self.rng.choice(data.HUB_CLIENTS),
            quantity=quantity,
            user=self.rng.choice([self.cook, self.cook, self.manager, self.admin]),
            description=self.rng.choice(["", "", "For the weekend", "Urgent", "Replace the worn ones"]),
            initial_state=Hub.DRAFT if draft else Hub.PENDING,
        )
        later = self.working_hours(self.clock.now + datetime.timedelta(hours=self.rng.uniform(2, 40)))
        self.schedule(later, self.hub_order_next, order)

    def restock(self, item, quantity):
        product_quantity_change(
            product=item, delta=quantity + self.rng.randint(5, 20), user=self.manager, note="Restocked"
        )

    def hub_order_next(self, order):
        """Move a hub order one step along its usual path: Draft → Pending → Ready → Completed, or Cancelled."""
        chance = self.rng.random()
        if order.state == Hub.DRAFT:
            target, user = (Hub.PENDING if chance < 0.8 else Hub.CANCELLED), self.cook
        elif order.state == Hub.PENDING:
            target, user = (Hub.READY, self.manager) if chance < 0.75 else (Hub.CANCELLED, self.cook)
            if target == Hub.READY:
                order.item.refresh_from_db(fields=["quantity"])
                if order.item.quantity < order.quantity:
                    self.restock(order.item, order.quantity)
        else:
            target, user = (Hub.COMPLETED if chance < 0.85 else Hub.CANCELLED), self.manager
        order = catalogue_order_transition(order=order, target=target, user=user)
        if target not in (Hub.COMPLETED, Hub.CANCELLED):
            later = self.working_hours(self.clock.now + datetime.timedelta(hours=self.rng.uniform(3, 60)))
            self.schedule(later, self.hub_order_next, order)

    # --- every status at least once --------------------------------------------------------------

    def ensure_every_status(self):
        """Make sure that every status of every kind of document can be seen, whatever day it is: the history
        usually has them all, and this adds, now, the few it happened not to reach."""
        material = self.materials["Farine de blé T55"]
        for status in (COMMANDE, EXPEDIE, RUPTURE, RECU):
            if not RawProductOrder.objects.filter(status=status).exists():
                order = self.purchase(material, material.daily * 10 or 25)
                if status == RECU:
                    self.receive(order)
                elif status != COMMANDE:
                    raw_product_order_set_status(order=order, status=status, user=self.manager)

        tart = self.products["Tarte au citron meringuée"]
        for status in (COMMANDE, RUPTURE, EXPEDIE, RECU):
            if FinishedProductOrder.objects.filter(status=status).exists():
                continue
            sale = Sale(
                tart,
                self.clients[0],
                Decimal(1),
                "unit",
                Decimal(1),
                Decimal("19.50"),
                self.now,
                self.now + datetime.timedelta(days=1),
            )
            self.sale_place(sale)
            if status == RUPTURE:
                finished_product_order_set_status(order=sale.record, status=RUPTURE, user=self.manager)
            elif status != COMMANDE:
                self.produce_now(tart, Decimal(1))
                finished_product_order_set_status(order=sale.record, status=EXPEDIE, user=self.manager)
                if status == RECU:
                    finished_product_order_set_status(order=sale.record, status=RECU, user=self.manager)

        for status in (PlanStatus.PLANNED, PlanStatus.IN_PROGRESS, PlanStatus.CANCELLED, PlanStatus.COMPLETED):
            if ProductionPlan.objects.filter(status=status).exists():
                continue
            when = self.now if status != PlanStatus.PLANNED else self.now + datetime.timedelta(days=2)
            plan = ProductionPlan.objects.create(
                finished_product=tart.record,
                planned_quantity=2,
                unit_of_measure="unit",
                planned_production_date=when,
                planned_duration=Decimal("2.5"),
                hourly_rate=Decimal("29.00"),
            )
            if status == PlanStatus.IN_PROGRESS:
                production_plan_start(plan=plan, user=self.cook)
            elif status == PlanStatus.CANCELLED:
                production_plan_cancel(plan=plan, user=self.manager)
            elif status == PlanStatus.COMPLETED:
                self.buy_what_is_missing(tart.spec, Decimal(2))
                production_plan_complete(plan=plan, actual_duration=Decimal("2.75"), user=self.cook)

        for state in (Hub.DRAFT, Hub.PENDING, Hub.READY, Hub.COMPLETED, Hub.CANCELLED):
            if CatalogueOrder.objects.filter(state=state).exists():
                continue
            item = self.catalogue[0]
            item.refresh_from_db(fields=["quantity"])
            if item.quantity < 1:
                self.restock(item, Decimal(1))
            order = catalogue_order_create(
                item_id=item.pk,
                client=data.HUB_CLIENTS[0],
                quantity=Decimal(1),
                user=self.cook,
                initial_state=Hub.DRAFT if state == Hub.DRAFT else Hub.PENDING,
            )
            path = {Hub.READY: [Hub.READY], Hub.COMPLETED: [Hub.READY, Hub.COMPLETED], Hub.CANCELLED: [Hub.CANCELLED]}
            for target in path.get(state, []):
                order = catalogue_order_transition(order=order, target=target, user=self.manager)

        # A supplier's new specification (SPEC E): its baking chocolate may now contain sesame. The pains au
        # chocolat made before it are listed under "declaration changed" until someone acknowledges it.
        if not DeclarationChange.objects.exists():
            chocolate = self.materials["Bâtons de chocolat boulanger"].record
            chocolate.refresh_from_db()
            raw_product_update(product=chocolate, may_contain=[*chocolate.may_contain, "sesame"], user=self.manager)

    def set_passwords(self):
        for user in self.users.values():
            user.password = self.password_hashes[user.email].result()
            user.save(update_fields=["password"])

    def date_opening_lots(self):
        """The starting stock's lots carry the dates their labels would: bought or made on the eve of the
        history, like every later receipt and run (Workshop.receive; a run's batch follows its product's shelf
        life and its ingredients, production_plan_complete)."""
        made = timezone.localdate(self.clock.now)
        materials = {material.record.pk: material.spec for material in self.materials.values()}
        shelf = {stocked.record.pk: SHELF_LIFE_DAYS[stocked.spec.family] for stocked in self.products.values()}
        lots = list(Lot.objects.filter(source_type=Lot.Source.OPENING))
        for lot in lots:
            if lot.item_type == Lot.ItemType.FINISHED_PRODUCT:
                lot.use_by = made + datetime.timedelta(days=shelf[lot.item_id])
            else:
                dates = label_dates(materials[lot.item_id], made)
                lot.use_by, lot.best_before = dates.get("use_by"), dates.get("best_before")
        Lot.objects.bulk_update(lots, ["use_by", "best_before"])

    def throw_away_expiring(self, day):
        """The evening check of the fridges and the shop: what will be past its use-by on the next working
        morning is written off (runs and shipments would refuse it anyway), so that the lots on hand are what a
        tidy workshop keeps."""
        following = next_working_day(day)
        expiring = expiring_before(following, fresh=self.fresh_pks)
        if following >= self.today:
            # Last night the shop was cleared but nobody checked the cold room: what reached its date there
            # yesterday is still on hand this morning, and the admin's expiry panel asks for it.
            expiring = Q(item_type=Lot.ItemType.FINISHED_PRODUCT, use_by__lt=following)
        reasons = {}
        for lot in Lot.objects.filter(expiring, quantity__gt=0).order_by("pk"):
            if lot.item_type == Lot.ItemType.FINISHED_PRODUCT:
                reason = "Unsold by its use-by date: thrown away"
            elif lot.use_by is not None and lot.use_by < following:
                reason = "At its use-by date: thrown away"
            else:
                reason = "Past its best: thrown away"
            reasons.setdefault(reason, []).append(lot)
        for reason, lots in reasons.items():
            lots_write_off(lots=lots, reason=reason, user=self.manager)

    def hold_a_lot(self):
        """One lot on hold, as a supplier's alert leaves it until their analysis comes back: the lots list and
        the admin's home show it, and a release puts it back to use."""
        # The latest delivery of a chilled material still in stock; not the cream, which the tutorial's tart uses.
        chilled = [self.materials[name].record.pk for name in USE_BY_DAYS if name != "Crème liquide 35 %"]
        suspect = (
            Lot.objects.filter(
                item_type=Lot.ItemType.RAW_PRODUCT,
                item_id__in=chilled,
                source_type=Lot.Source.RAW_PRODUCT_ORDER,
                quantity__gt=0,
            )
            .order_by("-pk")
            .first()
        )
        if suspect is not None:
            lot_hold(lot=suspect, reason="Supplier's quality alert: awaiting their analysis", user=self.manager)

    def produce_now(self, stocked, output):
        """A run completed now (the replay's moment), so that `output` of the product is in stock."""
        stocked.record.refresh_from_db(fields=["stock_quantity"])
        if stocked.record.stock_quantity >= output:
            return
        plan = ProductionPlan.objects.create(
            finished_product=stocked.record,
            planned_quantity=output,
            unit_of_measure=stocked.spec.unit,
            # The replay's moment, not the present: a dough made at once weeks ago is not one of today's runs.
            planned_production_date=self.clock.now,
            planned_duration=Decimal(2),
            hourly_rate=Decimal("29.00"),
        )
        self.make_missing_components(stocked.spec, output)
        self.buy_what_is_missing(stocked.spec, output)
        production_plan_complete(plan=plan, user=self.cook)


def ledger_totals():
    """{(item type, item id): sum of its ledger changes}: what each item's stock must be."""
    rows = StockMovement.objects.values_list("item_type", "item_id").annotate(total=Sum("change"))
    # Quantized: SQLite sums its decimals as binary floats.
    return {(kind, pk): quantize_quantity(total) for kind, pk, total in rows}
