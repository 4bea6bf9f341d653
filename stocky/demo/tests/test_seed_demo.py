"""`manage.py seed_demo`: a workshop to explore, made through the services, with a ledger that adds up."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.db.models import F, Q, Sum
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import Role, User
from inventory.images import IMAGE_MAX_SIDE
from inventory.measures import quantize_quantity
from inventory.models import (
    Category,
    FinishedProduct,
    Lot,
    LotEvent,
    Product,
    RawProduct,
    RawProductConversion,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from orders.digest import lots_to_act_on
from orders.models import (
    CatalogueOrder,
    CatalogueOrderState,
    Client,
    FinishedProductOrder,
    OrderStatus,
    RawProductOrder,
)
from orders.trace import lot_trace
from production.declaration import finished_product_declaration
from production.models import DeclarationChange, LotDeclaration, PlanStatus, ProductionPlan, RecipeItem
from stocky.demo import data
from stocky.demo.management.commands import seed_demo
from stocky.demo.scale import scale_history
from stocky.demo.seed import BUSINESS_MODELS, demo_seed

pytestmark = pytest.mark.django_db

STOCKED = [
    (RawProduct, "raw_product", "stock_quantity"),
    (FinishedProduct, "finished_product", "stock_quantity"),
    (Product, "product", "quantity"),
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """The catalogue's images go to a fresh directory, never into the worktree's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def seed(*args, fails=False):
    """Run seed_demo; returns its standard output (or, with `fails`, the CommandError's message)."""
    out, err = io.StringIO(), io.StringIO()
    if fails:
        with pytest.raises(CommandError) as caught:
            call_command("seed_demo", *args, stdout=out, stderr=err, interactive=False)
        return str(caught.value)
    call_command("seed_demo", *args, stdout=out, stderr=err, interactive=False)
    return out.getvalue()


def ledger_problems():
    """Items whose ledger does not add up to their stock, or whose balances do not follow one another in time."""
    problems = []
    totals, balance = defaultdict(Decimal), {}
    rows = StockMovement.objects.order_by("created_at", "id").values_list(
        "item_type", "item_id", "change", "balance_after"
    )
    for kind, pk, change, balance_after in rows:
        totals[(kind, pk)] += change
        if balance.get((kind, pk), Decimal(0)) + change != balance_after:
            problems.append(f"{kind} {pk}: {balance.get((kind, pk))} {change:+} is not {balance_after}")
        balance[(kind, pk)] = balance_after
    for model, kind, field in STOCKED:
        for pk, quantity in model.objects.values_list("pk", field):
            if totals[(kind, pk)] != quantity:
                problems.append(f"{kind} {pk}: stock {quantity}, ledger {totals[(kind, pk)]}")
    return problems


def lot_problems():
    """SPEC D: movements of raw and finished products that name no lot, lots whose entries do not add up to
    their quantity, items whose stock is not the sum of their lots."""
    problems = [
        f"{kind} {pk}: {change:+} ({reason}) names no lot"
        for kind, pk, change, reason in StockMovement.objects.filter(lot=None)
        .exclude(item_type="product")
        .values_list("item_type", "item_id", "change", "reason")
    ]
    by_lot = dict(StockMovement.objects.exclude(lot=None).values_list("lot").annotate(total=Sum("change")))
    in_lots = defaultdict(Decimal)
    for pk, kind, item, quantity, code in Lot.objects.values_list("pk", "item_type", "item_id", "quantity", "code"):
        in_lots[(kind, item)] += quantity
        if quantize_quantity(by_lot.get(pk, 0)) != quantity:
            problems.append(f"lot {code} of {kind} {item}: holds {quantity}, its entries add up to {by_lot.get(pk)}")
    for model, kind, field in STOCKED[:2]:
        for pk, quantity in model.objects.values_list("pk", field):
            if in_lots[(kind, pk)] != quantity:
                problems.append(f"{kind} {pk}: stock {quantity}, lots {in_lots[(kind, pk)]}")
    return problems


def snapshot():
    """Every business row as comparable values, without ids, times and file names (which differ between two
    seedings)."""
    rows = {}
    for model in BUSINESS_MODELS:
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if not (field.primary_key or field.is_relation or isinstance(field, (models.DateField, models.ImageField)))
            and field.attname not in ("name_key", "item_id", "source_id")
        ]
        rows[model.__name__] = sorted(map(repr, model.objects.values_list(*fields)))
    return rows


def log_in(email, password):
    client = APIClient()
    answer = client.post("/api/v1/auth/login", {"email": email, "password": password}, format="json")
    assert answer.status_code == 200, answer.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['accessToken']}")
    return client


def test_the_default_demo_is_a_workshop_to_explore_with_a_true_ledger(media_root):
    started = timezone.now()
    out = seed()

    # What a newcomer is told: how to log in as each role, in the admin and through the API.
    assert "Seeded the demo workshop" in out and "http://127.0.0.1:8000/admin/" in out
    assert "/api/v1/auth/login" in out and "docs/tutorial.md" in out
    for user in data.USERS:
        assert user.email in out and user.password in out

    # A believable food workshop, in the sizes the demo promises.
    assert 18 <= Supplier.objects.count() <= 22
    assert RawProduct.objects.count() >= 100
    assert FinishedProduct.objects.count() >= 30
    for product in FinishedProduct.objects.all():
        assert product.recipe_items.count() + product.recipe_components.count() >= 3, product.name
    # The viennoiseries are made of a dough made in house the evening before (SPEC E): a two-level trace.
    dough = FinishedProduct.objects.get(name=data.DOUGH)
    assert {line.finished_product.name for line in dough.used_as_component.all()} == {
        "Croissant au beurre",
        "Pain au chocolat",
    }
    croissant_batch = (
        Lot.objects.filter(item_type="finished_product", item_id__in=dough.used_as_component.values("finished_product"))
        .order_by("-pk")
        .first()
    )
    backward = lot_trace(croissant_batch)["backward"]
    assert {entry["level"] for entry in backward} == {1, 2}, "dough batches, then the dough's flour lots"
    assert any(entry["item_id"] == dough.pk for entry in backward if entry["level"] == 1)
    # Every dough run was made before the croissant run that drew it.
    for plan in ProductionPlan.objects.filter(finished_product__name="Croissant au beurre", status="completed")[:20]:
        drawn = StockMovement.objects.filter(
            source_type="productionplan", source_id=plan.pk, item_type="finished_product", item_id=dough.pk
        ).values_list("lot_id", flat=True)
        for lot in Lot.objects.filter(pk__in=drawn):
            assert lot.created_at <= plan.completed_at
    for material in RawProduct.objects.all():
        assert 1 <= material.supplier_prices.count() <= 3, material.name
    units = set(RecipeItem.objects.values_list("unit_of_measure", flat=True))
    assert {"g", "ml", "unit"} <= units
    assert RecipeItem.objects.filter(raw_product__unit_of_measure="kg", unit_of_measure="ml").exists()  # lemon juice
    assert RawProductConversion.objects.filter(raw_product__name="Citrons jaunes", unit_a="kg", unit_b="ml").exists()
    # Some suppliers sell in other units than the stock unit (flour by the tonne, eggs by the dozen...).
    assert SupplierRawProduct.objects.exclude(unit_of_measure=F("raw_product__unit_of_measure")).count() >= 10
    assert set(Client.objects.values_list("client_type", flat=True)) == {"particulier", "epicerie", "restaurant"}
    assert not Client.objects.filter(city="").exists() and not Client.objects.filter(address="").exists()

    # Every business table has rows, and every status and state occurs.
    for model in [*BUSINESS_MODELS, User]:
        assert model.objects.exists(), model.__name__
    assert set(RawProductOrder.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    assert set(FinishedProductOrder.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    assert set(ProductionPlan.objects.values_list("status", flat=True)) == set(PlanStatus.values)
    assert set(CatalogueOrder.objects.values_list("state", flat=True)) == set(CatalogueOrderState.values)
    # Months of history behind, and production planned ahead.
    first = RawProductOrder.objects.order_by("ordered_at").first().ordered_at
    assert started - first > datetime.timedelta(weeks=10)
    assert ProductionPlan.objects.filter(status="completed", planned_production_date__lt=started).count() >= 50
    assert ProductionPlan.objects.filter(status="planned", planned_production_date__gt=started).exists()
    # No run is completed before the moment it was planned for (a run made at once in the history is dated then,
    # not listed among today's runs on the admin's home).
    assert not ProductionPlan.objects.filter(status="completed", completed_at__lt=F("planned_production_date")).exists()

    # The catalogue's pictures went through the upload normalisation: bounded PNGs under products/.
    with_images = Product.objects.exclude(image="")
    assert with_images.count() >= 3 and Category.objects.count() >= 3
    for product in with_images:
        assert product.image.name.startswith("products/") and product.image.name.endswith(".png")
        with Image.open(media_root / product.image.name) as image:
            assert image.format == "PNG" and max(image.size) <= IMAGE_MAX_SIDE

    # What a label must declare (SPEC E) shows on first start: real allergens and nutrition through the
    # recipes, the lots' labels kept, and a supplier's new specification marked on what it changed.
    croissant = finished_product_declaration(FinishedProduct.objects.get(name="Croissant au beurre"))
    assert {"gluten", "milk"} <= set(croissant["allergens"]) and croissant["missing"] == []
    assert croissant["nutrition_per_100g"]["energy_kcal"] > 300 and "**beurre**" in croissant["ingredient_list"]
    assert LotDeclaration.objects.exists()
    assert DeclarationChange.objects.filter(change__startswith="sesame added to may contain via").exists()

    # Stock was made through the services: each item's ledger sums to its stock, in order of time.
    assert ledger_problems() == []
    assert lot_problems() == []
    assert_the_lots_on_hand_are_a_tidy_workshop_s()
    reasons = set(StockMovement.objects.values_list("reason", flat=True))
    assert {"initial", "receipt", "production_consumption", "production_output", "shipment"} <= reasons
    assert "order_approval" in reasons

    # Each role's account logs in through the API and reads what its role allows.
    for user in data.USERS:
        client = log_in(user.email, user.password)
        me = client.get("/api/v1/auth/me").json()
        assert (me["email"], me["role"]) == (user.email, user.role)
        assert client.get("/api/v1/raw-products?page=1").json()["meta"]["total"] == RawProduct.objects.count()
    readonly = log_in(data.USERS[3].email, data.USERS[3].password)
    assert readonly.post("/api/v1/suppliers", {"name": "X"}, format="json").status_code == 403

    # A second run says so and changes nothing.
    def rows():
        return {model: list(model.objects.order_by("pk").values_list("pk", flat=True)) for model in BUSINESS_MODELS}

    before = rows()
    passwords = dict(User.objects.values_list("email", "password"))
    again = seed()
    assert "already there" in again and "nothing changed" in again
    assert rows() == before
    assert dict(User.objects.values_list("email", "password")) == passwords


def test_a_database_with_other_business_data_is_refused_and_left_alone(make_user):
    owner = make_user(Role.ADMIN)
    Supplier.objects.create(name="Moulin Réel", phone="1", email="real@moulin.fr", contact_person="Anne")

    message = seed(fails=True)

    assert "already has business data" in message and "1 suppliers" in message and "--reset" in message
    assert list(Supplier.objects.values_list("name", flat=True)) == ["Moulin Réel"]
    assert not RawProduct.objects.exists() and not StockMovement.objects.exists()
    assert list(User.objects.values_list("pk", flat=True)) == [owner.pk]


def test_reset_asks_first_and_deletes_nothing_unless_told_yes(monkeypatch):
    Supplier.objects.create(name="Moulin Réel", phone="1", email="real@moulin.fr", contact_person="Anne")
    questions = []
    monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "no")

    with pytest.raises(CommandError, match="Nothing deleted"):
        call_command("seed_demo", "--reset", stdout=io.StringIO(), stderr=io.StringIO(), interactive=True)

    assert "1 suppliers" in questions[0]
    assert list(Supplier.objects.values_list("name", flat=True)) == ["Moulin Réel"]
    assert not RawProduct.objects.exists()


def test_if_empty_seeds_an_empty_database_then_only_prints_the_accounts_and_is_silent_on_other_data():
    out = seed("--if-empty", "--weeks", "1")
    assert out.startswith("Seeding the demo workshop: 1 weeks of history")
    assert "Seeded the demo workshop" in out and RawProduct.objects.exists()
    counts = {model: model.objects.count() for model in BUSINESS_MODELS}

    # Every later `make run` shows how to log in, and seeds nothing.
    again = seed("--if-empty")
    assert "manager@stocky.example" in again and "stocky-manager-demo" in again and "Seeding" not in again
    assert {model: model.objects.count() for model in BUSINESS_MODELS} == counts

    # Someone else's data and no demo accounts: silent, untouched.
    for model in BUSINESS_MODELS:
        model.objects.all().delete()
    User.objects.filter(email__in=data.DEMO_EMAILS).delete()
    Client.objects.create(
        name="Chez Paul",
        phone="1",
        contact_person="Paul",
        client_type="restaurant",
        address="1 rue Haute",
        city="Lyon",
        region="Auvergne-Rhône-Alpes",
    )
    assert seed("--if-empty") == ""
    assert list(Client.objects.values_list("name", flat=True)) == ["Chez Paul"] and not Supplier.objects.exists()


def assert_the_lots_on_hand_are_a_tidy_workshop_s():
    """SPEC D in the demo (issue 12): lots dated as their labels are, drawn first-expiry-first-out, what reached its
    use-by thrown away each evening; so the lots list and the admin home's expiry panel show a few lots expiring
    this week, one on hold and at most a couple expired (what the cold room kept last night), not dozens."""
    today = timezone.localdate()
    on_hand = Lot.objects.filter(quantity__gt=0)
    week = today + datetime.timedelta(days=7)
    expired = on_hand.filter(use_by__lt=today)
    assert expired.count() <= 3, list(expired.values_list("code", "use_by"))
    assert not expired.filter(item_type="finished_product").exists()  # the shop is cleared every evening
    expiring = on_hand.filter(Q(use_by__range=(today, week)) | Q(best_before__range=(today, week)))
    assert 3 <= expiring.count() <= 40
    assert lots_to_act_on(today=today, days=3).count() <= 25  # the admin home's panel
    # Every lot on hand carries its label's date: a batch its use-by, a material a use-by or a best-before.
    assert not on_hand.filter(use_by=None, best_before=None).exists()
    assert not on_hand.filter(item_type="finished_product", use_by=None).exists()
    assert not Lot.objects.filter(source_type="rawproductorder", supplier_lot_code="").exists()
    # One lot on hold, from a supplier's alert, with who and why.
    held = Lot.objects.get(status="on_hold")
    assert held.quantity > 0 and held.source_type == "rawproductorder" and held.supplier_id is not None
    assert LotEvent.objects.get(lot=held).action == "hold"
    # The waste was written off lot by lot through the service, each entry saying why.
    written_off = StockMovement.objects.filter(reason="write_off")
    assert written_off.exists() and not written_off.filter(lot=None).exists()
    assert set(written_off.values_list("note", flat=True)) <= {
        "Unsold by its use-by date: thrown away",
        "At its use-by date: thrown away",
        "Past its best: thrown away",
    }
    assert fefo_violations(on_hand) == []


def fefo_violations(on_hand):
    """Draws (runs, shipments) that took a lot expiring later than a lot still on hand, while that lot was there
    and usable: first-expiry-first-out says they should have taken it first. A lot's stock only goes down, so a
    lot on hand now held stock from the moment it was made."""
    violations = []
    for lot in on_hand:
        if lot.use_by is not None:
            later = Q(lot__use_by__gt=lot.use_by) | Q(lot__use_by=None)
            usable_until = timezone.make_aware(datetime.datetime.combine(lot.use_by, datetime.time.max))
        elif lot.best_before is not None:
            later = Q(lot__use_by=None) & (Q(lot__best_before__gt=lot.best_before) | Q(lot__best_before=None))
            usable_until = timezone.now()
        else:
            continue
        draws = StockMovement.objects.filter(
            later,
            item_type=lot.item_type,
            item_id=lot.item_id,
            reason__in=["production_consumption", "shipment"],
            created_at__gt=lot.created_at,
            created_at__lte=usable_until,
        )
        violations += [f"{lot.code} ({lot.item_type} {lot.item_id}) passed over by {entry}" for entry in draws]
    return violations


def test_reset_replaces_business_data_and_demo_accounts_and_gives_the_same_demo(
    make_user, media_root, django_capture_on_commit_callbacks
):
    seed("--weeks", "1")
    first = snapshot()
    first_images = sorted(path.name for path in (media_root / "products").iterdir())
    colleague = make_user(Role.MANAGER)
    manager = User.objects.get(email=data.USERS[1].email)
    manager.set_password("changed-by-the-manager")
    manager.save()
    Supplier.objects.create(name="Extra", phone="1", email="extra@example.com", contact_person="X")

    with django_capture_on_commit_callbacks(execute=True):  # files are deleted once the deletion commits
        out = seed("--reset", "--weeks", "1")

    assert "Seeded the demo workshop" in out
    assert snapshot() == first  # the same demo, from the same seed
    assert not Supplier.objects.filter(name="Extra").exists()
    assert User.objects.filter(pk=colleague.pk).exists()  # not a demo account: kept
    assert not User.objects.filter(pk=manager.pk).exists()
    log_in(data.USERS[1].email, data.USERS[1].password)  # the demo password again
    assert ledger_problems() == []
    # The old pictures were deleted with their products; new ones replace them.
    images = sorted(path.name for path in (media_root / "products").iterdir())
    assert len(images) == len(first_images) and not set(images) & set(first_images)


def test_scale_multiplies_orders_and_plans_and_keeps_stock_and_ledger_true():
    demo_seed(weeks=2)
    stock = {model: dict(model.objects.values_list("pk", field)) for model, _, field in STOCKED}
    documents = (RawProductOrder, FinishedProductOrder, ProductionPlan, CatalogueOrder)
    counts = {model: model.objects.count() for model in documents}
    completed = ProductionPlan.objects.filter(status="completed").count()
    lots = Lot.objects.count()

    scale_history(copies=2, today=timezone.localdate(), progress=seed_demo._bar)

    for model, count in counts.items():
        assert model.objects.count() >= 3 * count * 0.9, model.__name__
    assert ProductionPlan.objects.filter(status="completed").count() >= 3 * completed - 10
    # Stock is what it was, and the ledger, three times longer, still adds up to it in order of time.
    assert {model: dict(model.objects.values_list("pk", field)) for model, _, field in STOCKED} == stock
    assert ledger_problems() == []
    # Every movement of the bulk history names its lot: stock = sum of lots = sum of the ledger, per item.
    assert lot_problems() == []
    assert Lot.objects.count() > 2 * lots
    twin = ProductionPlan.objects.filter(status="completed").order_by("-pk").first()
    moved = StockMovement.objects.filter(source_type="productionplan", source_id=twin.pk)
    assert moved.filter(reason="production_output").count() == 1 and moved.filter(reason="production_consumption")
    batch = twin.output_lot
    assert (batch.source_type, batch.source_id, batch.quantity) == ("productionplan", twin.pk, 0)
    shipped = StockMovement.objects.filter(lot=batch, reason="shipment")
    assert shipped.exists() and sum(entry.change for entry in shipped) == -batch.initial_quantity
    receipt = RawProductOrder.objects.filter(status="recu").order_by("-pk").first()
    assert (receipt.lot.source_id, receipt.lot.supplier_id) == (receipt.pk, receipt.supplier_id)


def test_the_command_scales_with_a_progress_bar(monkeypatch):
    bars = []

    class Bar:
        def __init__(self, total, description, unit):
            self.total, self.description, self.done = total, description, 0
            bars.append(self)

        def update(self, n=1):
            self.done += n

        def close(self):
            pass

    monkeypatch.setattr(seed_demo, "_bar", Bar)
    seed("--weeks", "1", "--scale", "2")

    assert [(bar.description, bar.done == bar.total) for bar in bars] == [
        ("Replaying the workshop's history", True),
        ("Adding bulk history", True),
    ]
    assert bars[1].total == 1
    assert ledger_problems() == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scale", "0"], "--scale"),
        (["--scale", "1001"], "--scale"),
        (["--weeks", "two"], "--weeks"),
        (["--reset", "--if-empty"], "contradict"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_seeded(args, message):
    assert message in seed(*args, fails=True)
    assert not any(model.objects.exists() for model in BUSINESS_MODELS)
    assert not User.objects.exists()


def test_every_model_of_the_business_apps_is_seeded():
    """The list of tables the demo fills (and --reset empties) names every model of the business apps."""
    business = {
        model for label in ("inventory", "orders", "production") for model in apps.get_app_config(label).get_models()
    }
    assert business == set(BUSINESS_MODELS)
