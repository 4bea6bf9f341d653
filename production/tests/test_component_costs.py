"""Cost through every level (SPEC E): a croissant's unit cost counts its dough at the dough's own unit cost
(the dough's materials and labour, and its butter block's), and names the prices missing at any level."""

import pytest
from django.utils import timezone

from inventory.models import FinishedProduct
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
)
from inventory.tests.utils import changelist_queries_for_one_and_fifty
from production.tests.factories import ProductionPlanFactory, RecipeComponentFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def croissant():
    """Croissant (unit): 5 g sugar, 80 g of dough; 2 h at 20/h for 100 croissants (0.40 each).
    Dough (kg): 600 g flour at 1.00/kg, 300 g butter at 10.00/kg, 100 g of butter block; 1 h at 30/h for
    10 kg (3.00 a kg). Butter block (kg): 1 kg of a cultured butter nobody sells, no plan (no labour)."""
    mill = SupplierFactory(name="Mill")
    flour = RawProductFactory(name="Flour", unit_of_measure="kg")
    butter = RawProductFactory(name="Butter", unit_of_measure="kg")
    sugar = RawProductFactory(name="Sugar", unit_of_measure="kg")
    cultured = RawProductFactory(name="Cultured butter", unit_of_measure="kg")
    for raw, price in ((flour, "1.00"), (butter, "10.00"), (sugar, "2.00")):
        SupplierRawProductFactory(supplier=mill, raw_product=raw, unit_price=price, unit_of_measure="kg")
    block = FinishedProductFactory(name="Butter block", unit_of_measure="kg")
    RecipeItemFactory(finished_product=block, raw_product=cultured, quantity_required=1, unit_of_measure="kg")
    dough = FinishedProductFactory(name="Dough", unit_of_measure="kg")
    RecipeItemFactory(finished_product=dough, raw_product=flour, quantity_required=600, unit_of_measure="g")
    RecipeItemFactory(finished_product=dough, raw_product=butter, quantity_required=300, unit_of_measure="g")
    RecipeComponentFactory(finished_product=dough, component=block, quantity_required=100, unit_of_measure="g")
    product = FinishedProductFactory(name="Croissant", unit_of_measure="unit")
    RecipeItemFactory(finished_product=product, raw_product=sugar, quantity_required=5, unit_of_measure="g")
    RecipeComponentFactory(finished_product=product, component=dough, quantity_required=80, unit_of_measure="g")
    now = timezone.now()
    ProductionPlanFactory(
        finished_product=dough,
        planned_quantity=10,
        unit_of_measure="kg",
        planned_duration=1,
        hourly_rate=30,
        status="completed",
        produced_quantity=10,
        actual_duration=1,
        completed_at=now,
    )
    ProductionPlanFactory(
        finished_product=product,
        planned_quantity=100,
        unit_of_measure="unit",
        planned_duration=2,
        hourly_rate=20,
        status="completed",
        produced_quantity=100,
        actual_duration=2,
        completed_at=now,
    )
    return {"croissant": product, "dough": dough, "cultured": cultured}


def test_the_croissants_cost_includes_the_doughs_materials_and_labour(api, croissant):
    data = api.get(f"/api/v1/finished-products/{croissant['croissant'].pk}/cost").json()["data"]
    # Dough: 0.6 × 1.00 + 0.3 × 10.00 = 3.60 of materials, + 3.00 labour = 6.60 a kg (its block unpriced).
    (dough,) = data["components"]
    assert dough == {
        "component_id": croissant["dough"].pk,
        "component_name": "Dough",
        "quantity": 0.08,
        "unit_of_measure": "kg",
        "unit_cost": 6.6,
        "labour_cost": 3,
        "cost": 0.53,  # 0.08 × 6.60 = 0.528
    }
    # Croissant: 0.005 × 2.00 = 0.01 of sugar, 0.528 of dough, 0.40 labour.
    assert (data["material_cost"], data["component_cost"], data["labour_cost"]) == (0.01, 0.53, 0.4)
    assert data["unit_cost"] == 0.94  # 0.938
    assert data["missing_prices"] == [
        {
            "raw_product_id": croissant["cultured"].pk,
            "raw_product_name": "Cultured butter",
            "reason": "No supplier sells it: add it to a supplier's price list",
            "path": "Croissant → Dough → Butter block",
        }
    ]


def test_the_admin_list_shows_the_cost_through_the_levels_in_a_fixed_number_of_queries(admin_client, croissant):
    page = admin_client.get("/admin/inventory/finishedproduct/").content.decode()
    assert "0.94\u00a0€ / unit" in page and "6.60\u00a0€ / kg" in page

    def add(n):
        for _ in range(n):
            top = FinishedProductFactory(unit_of_measure="unit")
            RecipeComponentFactory(
                finished_product=top, component=croissant["dough"], quantity_required=1, unit_of_measure="kg"
            )

    one, fifty = changelist_queries_for_one_and_fifty(admin_client, FinishedProduct, add)
    assert one == fifty
