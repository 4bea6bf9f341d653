"""One door per rule: the API, the admin and an import file reach the same service, so each refuses what the
rule forbids with the same message, and changes nothing.

The admin offers no way at all to change what two of the rules freeze: a moved order's quantity is shown
read-only, and a completed plan's page too. For those, the admin's door is that read-only page: a POST of
the change leaves every table as it was, which the test checks like the others.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.models import StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from orders import services as order_services
from orders.tests.factories import FinishedProductOrderFactory, RawProductOrderFactory
from production import services as production_services
from production.tests.factories import ProductionPlanFactory, RecipeComponentFactory, RecipeItemFactory
from stocky.exchange.engine import import_table, read_table
from stocky.exchange.resources import REGISTRY
from stocky.tests.fixtures import snapshot

pytestmark = pytest.mark.django_db


def tables():
    """Every business row and the whole ledger: what a refusal must leave as it was."""
    return snapshot(), list(StockMovement.objects.order_by("pk").values())


def import_errors(resource_name, csv_text):
    """The errors an import file's single row gets (the file updates existing records)."""
    resource = REGISTRY[resource_name]
    table = read_table(resource, csv_text.encode(), "csv", update=True)
    report = import_table(resource, table, update=True)
    ((_line, errors),) = report.errors
    return errors


def form_errors(response, field):
    assert response.status_code == 200, response.status_code  # the page shown again, not a redirect
    return response.context["adminform"].form.errors[field]


def action_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(record):
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])


def changelist_url(record):
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_changelist")


@dataclass
class Rule:
    setup: Callable  # () -> the record the three doors try to change
    field: str  # where the API and the import report the refusal
    status: int  # the API's answer
    api: Callable  # (api client, record) -> response
    admin: Callable  # (admin client, record) -> the texts the admin shows, or None: a read-only page
    file: Callable  # (record) -> (resource name, a CSV file changing it)


# --- A unit that does not convert --------------------------------------------------------------------


def _recipe_item():
    return RecipeItemFactory(raw_product__unit_of_measure="kg", unit_of_measure="kg")


def _recipe_item_in_litres_admin(client, item):
    data = {
        "finished_product": item.finished_product_id,
        "raw_product": item.raw_product_id,
        "quantity_required": "0.25",
        "unit_of_measure": "l",
    }
    return form_errors(client.post(change_url(item), data), "unit_of_measure")


UNIT = Rule(
    setup=_recipe_item,
    field="unit_of_measure",
    status=400,
    api=lambda api, item: api.patch(
        f"/api/v1/recipe-items/{item.finished_product_id}/{item.raw_product_id}", {"unit_of_measure": "l"}
    ),
    admin=_recipe_item_in_litres_admin,
    file=lambda item: (
        "recipe-items",
        f"finished_product_id,raw_product_id,unit_of_measure\n{item.finished_product_id},{item.raw_product_id},l\n",
    ),
)


# --- A recipe that would contain itself (SPEC E): Croissant → Dough → Butter block, then Butter block → Croissant


def _component_chain():
    croissant = FinishedProductFactory(name="Croissant", unit_of_measure="unit")
    dough = FinishedProductFactory(name="Dough", unit_of_measure="kg")
    block = FinishedProductFactory(name="Butter block", unit_of_measure="kg")
    RecipeComponentFactory(finished_product=croissant, component=dough)
    return RecipeComponentFactory(finished_product=dough, component=block)


def _croissant(line):
    """The product at the top of the chain whose last line is `line` (Dough → Butter block)."""
    return type(line).objects.get(component=line.finished_product).finished_product


def _cycle_admin(client, line):
    block, croissant = line.component, _croissant(line)
    data = {
        "finished_product": block.pk,
        "component": croissant.pk,
        "quantity_required": "1",
        "unit_of_measure": "unit",
    }
    return form_errors(client.post(reverse("admin:production_recipecomponent_add"), data), "__all__")


def _cycle_file(line):
    croissant = _croissant(line)
    return (
        "recipe-components",
        "finished_product_id,component_id,quantity_required,unit_of_measure\n"
        f"{line.component_id},{croissant.pk},1,unit\n",
    )


def _cycle_api(api, line):
    croissant = _croissant(line)
    body = {"finished_product_id": line.component_id, "component_id": croissant.pk, "quantity_required": 1}
    return api.post("/api/v1/recipe-components", {**body, "unit_of_measure": "unit"})


CYCLE = Rule(
    setup=_component_chain,
    field="component_id",
    status=400,
    api=_cycle_api,
    admin=_cycle_admin,
    file=_cycle_file,
)


# --- An illegal order transition (out of stock → received: it must be ordered again first) --------------


def _mark_received_admin(client, order):
    data = {"action": "mark_recu", "_selected_action": [order.pk]}
    return action_messages(client.post(changelist_url(order), data, follow=True))


TRANSITION = Rule(
    setup=lambda: RawProductOrderFactory(status="rupture_de_stock"),
    field="status",
    status=409,
    api=lambda api, order: api.patch(f"/api/v1/raw-product-orders/{order.pk}", {"status": "recu"}),
    admin=_mark_received_admin,
    file=lambda order: ("raw-product-orders", f"id,status\n{order.pk},recu\n"),
)


# --- A frozen field of a moved order (a received order's quantity) ------------------------------------


def _received_order():
    order = RawProductOrderFactory(raw_product__stock_quantity=Decimal(10))
    return order_services.raw_product_order_set_status(order=order, status="recu")


def _read_only_admin(field):
    def door(client, record):
        page = client.get(change_url(record))
        assert field in page.context["adminform"].readonly_fields or not page.context["has_change_permission"]
        client.post(change_url(record), {field: "99"})
        return None

    return door


FROZEN = Rule(
    setup=_received_order,
    field="quantity",
    status=409,
    api=lambda api, order: api.patch(f"/api/v1/raw-product-orders/{order.pk}", {"quantity": "99"}),
    admin=_read_only_admin("quantity"),
    file=lambda order: ("raw-product-orders", f"id,quantity\n{order.pk},99\n"),
)


# --- A change to a completed plan ----------------------------------------------------------------------


def _completed_plan():
    plan = ProductionPlanFactory(finished_product__unit_of_measure="piece", unit_of_measure="piece")
    return production_services.production_plan_complete(plan=plan)


COMPLETED = Rule(
    setup=_completed_plan,
    field="status",
    status=409,
    api=lambda api, plan: api.patch(f"/api/v1/production-plans/{plan.pk}", {"planned_duration": "9"}),
    admin=_read_only_admin("planned_duration"),
    file=lambda plan: ("production-plans", f"id,planned_duration\n{plan.pk},9\n"),
)


# --- Stock below zero (shipping more than is on hand) --------------------------------------------------


def _short_sales_order():
    product = FinishedProductFactory(stock_quantity=Decimal(2))
    return FinishedProductOrderFactory(finished_product=product, quantity=Decimal(5), status="commande")


def _mark_shipped_admin(client, order):
    data = {"action": "mark_expedie", "_selected_action": [order.pk]}
    return action_messages(client.post(changelist_url(order), data, follow=True))


STOCK = Rule(
    setup=_short_sales_order,
    field="quantity",
    status=409,
    api=lambda api, order: api.patch(f"/api/v1/finished-product-orders/{order.pk}", {"status": "expedie"}),
    admin=_mark_shipped_admin,
    file=lambda order: ("finished-product-orders", f"id,status\n{order.pk},expedie\n"),
)


# --- What a label declares: sugars above the carbohydrate already recorded (SPEC E) -----------------------


def _raw_product_with_carbohydrate():
    return RawProductFactory(carbohydrate=Decimal("10"))


def _sugars_admin(client, product):
    data = {
        "name": product.name,
        "stock_quantity": f"{product.stock_quantity:f}",
        "unit_of_measure": product.unit_of_measure,
        "reorder_level": "0",
        "label_name": "",
        "carbohydrate": "10",
        "sugars": "12",
        "conversions-TOTAL_FORMS": "0",
        "conversions-INITIAL_FORMS": "0",
        "supplier_prices-TOTAL_FORMS": "0",
        "supplier_prices-INITIAL_FORMS": "0",
    }
    return form_errors(client.post(change_url(product), data), "sugars")


SUGARS = Rule(
    setup=_raw_product_with_carbohydrate,
    field="sugars",
    status=400,
    api=lambda api, product: api.patch(
        f"/api/v1/raw-products/{product.pk}", {"nutrition": {"sugars": "12"}}, format="json"
    ),
    admin=_sugars_admin,
    file=lambda product: ("raw-products", f"id,sugars\n{product.pk},12\n"),
)


@pytest.mark.parametrize(
    "rule",
    [UNIT, TRANSITION, FROZEN, COMPLETED, STOCK, CYCLE, SUGARS],
    ids=[
        "unit that does not convert",
        "illegal order transition",
        "frozen field",
        "completed plan",
        "stock < 0",
        "recipe cycle",
        "sugars above carbohydrate",
    ],
)
def test_the_api_the_admin_and_an_import_refuse_alike(rule, api, admin_client):
    record = rule.setup()
    before = tables()

    response = rule.api(api, record)
    assert response.status_code == rule.status, response.json()
    (message,) = response.json()["errors"][rule.field]
    assert tables() == before

    shown = rule.admin(admin_client, record)
    if shown is not None:
        assert any(message in text for text in shown), shown
    assert tables() == before

    resource, csv_text = rule.file(record)
    assert import_errors(resource, csv_text)[rule.field] == [message]
    assert tables() == before
