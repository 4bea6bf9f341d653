"""What a label declares of a raw product (SPEC E): allergens, may-contain, label name, nutrition per 100 g,
refused alike by the API, the admin and an import; and a finished product's yield and net weight."""

from decimal import Decimal

import pytest

from inventory.models import RawProduct
from inventory.tests.factories import RawProductFactory
from inventory.tests.utils import assert_error
from stocky.exchange.engine import import_table, read_table
from stocky.exchange.resources import REGISTRY
from stocky.tests.fixtures import snapshot

pytestmark = pytest.mark.django_db

NUTRIENTS = ("energy_kj", "energy_kcal", "fat", "saturates", "carbohydrate", "sugars", "protein", "salt")


def raw_admin_form(product, **changes):
    """The raw product's admin page as posted, with `changes` over its current values."""
    data = {
        "name": product.name,
        "stock_quantity": f"{product.stock_quantity:f}",
        "unit_of_measure": product.unit_of_measure,
        "reorder_level": "0",
        "label_name": product.label_name,
        "allergens": list(product.allergens),
        "may_contain": list(product.may_contain),
        **{name: "" if getattr(product, name) is None else f"{getattr(product, name):f}" for name in NUTRIENTS},
        "conversions-TOTAL_FORMS": "0",
        "conversions-INITIAL_FORMS": "0",
        "supplier_prices-TOTAL_FORMS": "0",
        "supplier_prices-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def import_errors(csv_text):
    resource = REGISTRY["raw-products"]
    report = import_table(resource, read_table(resource, csv_text.encode(), "csv", update=True), update=True)
    ((_line, errors),) = report.errors
    return errors


def test_a_raw_product_reads_its_declaration_fields_and_old_clients_still_create_one(api):
    # A section A client that knows nothing of declarations: the defaults apply.
    response = api.post("/api/v1/raw-products", {"name": "Farine", "stock_quantity": "5", "unit_of_measure": "kg"})
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["allergens"] == [] and data["may_contain"] == [] and data["label_name"] == ""
    assert data["nutrition"] == dict.fromkeys(NUTRIENTS)
    # A full update that leaves them out keeps them (PUT of section A's fields only).
    api.patch(
        f"/api/v1/raw-products/{data['id']}", {"allergens": ["gluten"], "nutrition": {"fat": "1.2"}}, format="json"
    )
    response = api.put(
        f"/api/v1/raw-products/{data['id']}", {"name": "Farine T55", "stock_quantity": "5", "unit_of_measure": "kg"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["allergens"] == ["gluten"]
    assert response.json()["data"]["nutrition"]["fat"] == 1.2


def test_allergens_collapse_duplicates_and_read_in_annex_order(api):
    body = {
        "name": "Brioche mix",
        "stock_quantity": "0",
        "unit_of_measure": "kg",
        "allergens": ["milk", "gluten", "milk", "EGGS"],
        "may_contain": ["sesame"],
    }
    data = api.post("/api/v1/raw-products", body, format="json").json()["data"]
    assert data["allergens"] == ["gluten", "eggs", "milk"]
    assert RawProduct.objects.get(pk=data["id"]).allergens == ["gluten", "eggs", "milk"]


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"allergens": ["gluten", "peanut"]}, "allergens", "'peanut'"),
        ({"may_contain": ["shellfish"]}, "may_contain", "'shellfish'"),
        ({"allergens": "milk"}, "allergens", "list"),
        ({"nutrition": {"fat": "-1"}}, "fat", "between 0 and 100"),
        ({"nutrition": {"salt": "120"}}, "salt", "between 0 and 100"),
        ({"nutrition": {"energy_kcal": "1200"}}, "energy_kcal", "1000"),
        ({"nutrition": {"carbohydrate": "10", "sugars": "12"}}, "sugars", "cannot exceed carbohydrate"),
        ({"nutrition": {"fat": "5", "saturates": "6"}}, "saturates", "cannot exceed fat"),
    ],
)
def test_the_api_refuses_bad_declaration_fields_and_names_them(api, body, field, words):
    product = RawProductFactory(fat=Decimal("3"))
    before = snapshot()
    body = assert_error(api.patch(f"/api/v1/raw-products/{product.pk}", body, format="json"), 400, field)
    assert words in body["errors"][field][0]
    assert snapshot() == before


def test_sugars_are_checked_against_the_carbohydrate_already_recorded(api):
    product = RawProductFactory(carbohydrate=Decimal("10"), sugars=Decimal("5"))
    body = assert_error(
        api.patch(f"/api/v1/raw-products/{product.pk}", {"nutrition": {"sugars": "11"}}, format="json"), 400
    )
    assert body["errors"] == {"sugars": ["Sugars (11 g) cannot exceed carbohydrate (10 g) per 100 g"]}
    product.refresh_from_db()
    assert product.sugars == 5


def test_the_admin_refuses_bad_declaration_fields_on_the_fields(admin_client):
    product = RawProductFactory(carbohydrate=Decimal("10"))
    url = f"/admin/inventory/rawproduct/{product.pk}/change/"
    before = snapshot()

    # The service's messages, on the fields, as the API words them.
    response = admin_client.post(url, raw_admin_form(product, sugars="12"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["sugars"] == ["Sugars (12 g) cannot exceed carbohydrate (10 g) per 100 g"]

    response = admin_client.post(url, raw_admin_form(product, fat="-1"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["fat"] == ["Fat must be between 0 and 100 g per 100 g, not -1"]

    response = admin_client.post(url, raw_admin_form(product, allergens=["gluten", "peanut"]))
    assert response.status_code == 200 and "peanut" in str(response.context["adminform"].form.errors["allergens"])
    assert snapshot() == before


def test_the_admin_saves_allergen_checkboxes_and_nutrition(admin_client):
    product = RawProductFactory()
    page = admin_client.get(f"/admin/inventory/rawproduct/{product.pk}/change/").content.decode()
    assert 'type="checkbox" name="allergens" value="sesame"' in page and "Nutrition per 100 g" in page
    response = admin_client.post(
        f"/admin/inventory/rawproduct/{product.pk}/change/",
        raw_admin_form(product, allergens=["milk", "gluten"], may_contain=["nuts"], fat="82", saturates="54"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert (product.allergens, product.may_contain, product.fat) == (["gluten", "milk"], ["nuts"], Decimal("82"))


def test_an_import_carries_the_declaration_fields_as_cells_and_refuses_like_the_api():
    product = RawProductFactory(name="Beurre", carbohydrate=Decimal("1"))
    before = snapshot()
    assert "'peanut'" in import_errors(f"id,allergens\n{product.pk},milk;peanut\n")["allergens"][0]
    assert "between 0 and 100" in import_errors(f"id,fat\n{product.pk},-2\n")["fat"][0]
    assert "cannot exceed carbohydrate" in import_errors(f"id,sugars\n{product.pk},3\n")["sugars"][0]
    assert snapshot() == before

    resource = REGISTRY["raw-products"]
    csv_text = f"id,allergens,may_contain,label_name,fat,saturates\n{product.pk},milk;milk,nuts,beurre doux,82,54\n"
    report = import_table(resource, read_table(resource, csv_text.encode(), "csv", update=True), update=True)
    assert not report.errors
    product.refresh_from_db()
    assert (product.allergens, product.may_contain, product.label_name) == (["milk"], ["nuts"], "beurre doux")
    assert (product.fat, product.saturates, product.salt) == (Decimal(82), Decimal(54), None)

    row = next(row for row in resource.export_rows() if row["id"] == product.pk)
    assert row["allergens"] == "milk" and row["may_contain"] == "nuts" and row["fat"] == Decimal(82)
    assert "nutrition" not in resource.columns and {"energy_kj", "salt"} <= set(resource.columns)


def test_the_finished_product_admin_page_has_yield_and_net_weight(admin_client):
    response = admin_client.get("/admin/inventory/finishedproduct/add/")
    page = response.content.decode()
    assert 'name="yield_percent"' in page and 'name="net_weight_g"' in page
