"""The roles table of SPEC section 0 across every section A resource.

ReadonlyUser may not write, User may not delete, and nobody without a token gets anything. Each
refused request must also leave the database as it was.
"""

import pytest

from accounts.models import Role
from inventory.models import FinishedProduct, RawProduct, Supplier, SupplierRawProduct
from inventory.tests.factories import SupplierRawProductFactory
from orders.models import Client, FinishedProductOrder, RawProductOrder
from orders.tests.factories import FinishedProductOrderFactory, RawProductOrderFactory
from production.models import ProductionPlan, RecipeItem
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
MODELS = [
    RawProduct,
    FinishedProduct,
    Supplier,
    SupplierRawProduct,
    Client,
    RawProductOrder,
    FinishedProductOrder,
    RecipeItem,
    ProductionPlan,
]


@pytest.fixture
def world():
    """One record of every section A resource, as `{resource path: detail path}`."""
    line = SupplierRawProductFactory()
    purchase = RawProductOrderFactory(raw_product=line.raw_product, supplier=line.supplier)
    sale = FinishedProductOrderFactory()
    item = RecipeItemFactory(finished_product=sale.finished_product, raw_product=line.raw_product)
    plan = ProductionPlanFactory(finished_product=sale.finished_product)
    return {
        "raw-products": f"raw-products/{line.raw_product_id}",
        "finished-products": f"finished-products/{sale.finished_product_id}",
        "suppliers": f"suppliers/{line.supplier_id}",
        "clients": f"clients/{sale.client_id}",
        "supplier-raw-products": f"supplier-raw-products/{line.supplier_id}/{line.raw_product_id}",
        "raw-product-orders": f"raw-product-orders/{purchase.pk}",
        "finished-product-orders": f"finished-product-orders/{sale.pk}",
        "recipe-items": f"recipe-items/{item.finished_product_id}/{item.raw_product_id}",
        "production-plans": f"production-plans/{plan.pk}",
    }


def snapshot():
    return {model.__name__: sorted(model.objects.values_list("id", "updated_at")) for model in MODELS}


RESOURCES = [
    "raw-products",
    "finished-products",
    "suppliers",
    "clients",
    "supplier-raw-products",
    "raw-product-orders",
    "finished-product-orders",
    "recipe-items",
    "production-plans",
]
EXTRA_READS = {
    "suppliers": ["raw-products"],
    "finished-products": ["recipe"],
    "clients": ["orders"],
}


def writes(world, resource):
    """Every write request on one resource, with a body that would otherwise be accepted or nearly so."""
    detail = f"{API}/{world[resource]}"
    yield "post", f"{API}/{resource}", {"name": "x"}
    yield "put", detail, {"name": "x"}
    yield "patch", detail, {"name": "x"}
    yield "delete", detail, None
    if resource.endswith("-orders"):
        yield "patch", f"{detail}/status", {"status": "recu"}


def reads(world, resource):
    detail = f"{API}/{world[resource]}"
    yield f"{API}/{resource}"
    yield detail
    for extra in EXTRA_READS.get(resource, []):
        yield f"{detail}/{extra}"
    if resource == "recipe-items":
        yield f"{API}/recipe-items/product/{world['finished-products'].split('/')[1]}"


@pytest.mark.parametrize("resource", RESOURCES)
def test_readonly_user_reads_and_may_not_write(client_for, world, resource):
    client = client_for(Role.READONLY)
    for url in reads(world, resource):
        assert client.get(url).status_code == 200, url
    before = snapshot()
    for method, url, body in writes(world, resource):
        response = getattr(client, method)(url, body)
        assert response.status_code == 403, (method, url)
        assert response.json()["statusCode"] == 403
    assert snapshot() == before


@pytest.mark.parametrize("resource", RESOURCES)
def test_user_may_not_delete(client_for, world, resource):
    before = snapshot()
    assert client_for(Role.USER).delete(f"{API}/{world[resource]}").status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("resource", RESOURCES)
def test_no_token_is_401(anon, world, resource):
    for url in reads(world, resource):
        response = anon.get(url)
        assert response.status_code == 401, url
        assert response.json()["success"] is False
    before = snapshot()
    for method, url, body in writes(world, resource):
        assert getattr(anon, method)(url, body).status_code == 401, (method, url)
    assert snapshot() == before


def test_user_writes_and_manager_deletes(client_for, world):
    user, manager = client_for(Role.USER), client_for(Role.MANAGER)
    assert user.patch(f"{API}/{world['raw-products']}", {"name": "Rye"}).status_code == 200
    assert user.patch(f"{API}/{world['finished-product-orders']}/status", {"status": "expedie"}).status_code == 200
    assert manager.delete(f"{API}/{world['production-plans']}").status_code == 200
    assert manager.delete(f"{API}/{world['recipe-items']}").status_code == 200


def test_a_bad_token_is_401(anon, world):
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert anon.get(f"{API}/{world['clients']}").status_code == 401
