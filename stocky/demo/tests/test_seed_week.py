"""The demo seeds at any moment of the week: its history is replayed up to the moment it is seeded, so each
weekday and hour gives another history (the purchasing rounds, the evening write-offs, the runs of the morning).

Slow (a dozen full seedings, about 8 s each): marked `big`.
"""

import datetime
from decimal import Decimal

import pytest
from django.db.models import F, Q, Sum

from inventory.models import Lot, RawProduct
from production.models import ProductionPlan
from stocky.demo.seed import demo_seed

pytestmark = [pytest.mark.django_db, pytest.mark.big]

MONDAY = datetime.datetime(2026, 12, 7, 2, 12, tzinfo=datetime.UTC)
# Every 12 hours over a week, from a Monday at 2:12 (seed_demo without a moment stops at 6 in the morning;
# demo_seed takes any): Monday at 14:12 once completed a run on expired cream.
MOMENTS = [MONDAY + datetime.timedelta(hours=12 * step) for step in range(14)]
# What docs/tutorial.md's four tarts take of the demo's materials, which it says are in stock.
TUTORIAL_RUN = {
    "Farine de blé T55": Decimal("0.52"),
    "Beurre doux AOP": Decimal("0.28"),
    "Crème liquide 35 %": Decimal("0.8"),
    "Boîte pâtissière 22 cm": Decimal(4),
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("now", MOMENTS, ids=lambda moment: moment.strftime("%a-%H%M"))
def test_the_demo_seeds_whatever_the_moment_with_the_tutorials_materials_usable(now):
    demo_seed(now=now)  # every run of the history completes

    today = now.date()
    for name, needed in TUTORIAL_RUN.items():
        material = RawProduct.objects.get(name=name)
        usable = Lot.objects.filter(item_type=Lot.ItemType.RAW_PRODUCT, item_id=material.pk, quantity__gt=0).exclude(
            Q(status=Lot.Status.ON_HOLD) | Q(use_by__lt=today)
        )
        assert material.stock_quantity >= needed, name
        assert usable.aggregate(total=Sum("quantity"))["total"] >= needed, name
    # The admin's home still has materials below their reorder level to show.
    assert RawProduct.objects.filter(reorder_level__gt=0, stock_quantity__lt=F("reorder_level")).exists()
    # Every run of the history is dated when it was made: none completed before the moment it was planned for.
    assert not ProductionPlan.objects.filter(status="completed", completed_at__lt=F("planned_production_date")).exists()
