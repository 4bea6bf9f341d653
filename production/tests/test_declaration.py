"""What a label must declare (SPEC E, issue 13): allergens, may-contain, ingredients by weight, nutrition
after yield, the changes that matter, and the labels of lots, through the API."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from inventory.models import Lot
from inventory.tests.utils import assert_error
from production.declaration import emphasise, finished_product_declaration
from production.models import RecipeComponent

pytestmark = pytest.mark.django_db

NUTRITION = ("energy_kj", "energy_kcal", "fat", "saturates", "carbohydrate", "sugars", "protein", "salt")


def figures(*values):
    return dict(zip(NUTRITION, [None if value is None else str(value) for value in values], strict=True))


def created(response):
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def material(api, name, *, allergens=(), may_contain=(), nutrition=None, label_name="", unit="kg"):
    body = {
        "name": name,
        "stock_quantity": "100",
        "unit_of_measure": unit,
        "allergens": list(allergens),
        "may_contain": list(may_contain),
        "label_name": label_name,
    }
    if nutrition is not None:
        body["nutrition"] = nutrition
    return created(api.post("/api/v1/raw-products", body, format="json"))


def product(api, name, unit, **fields):
    return created(
        api.post(
            "/api/v1/finished-products",
            {"name": name, "stock_quantity": fields.pop("stock_quantity", "0"), "unit_of_measure": unit, **fields},
            format="json",
        )
    )


def line(api, finished, raw, quantity, unit="kg"):
    body = {
        "finished_product_id": finished["id"],
        "raw_product_id": raw["id"],
        "quantity_required": quantity,
        "unit_of_measure": unit,
    }
    created(api.post("/api/v1/recipe-items", body, format="json"))


def component(finished, part, quantity, unit="kg"):
    # The recipe-components API comes with the components work (issue 13's other half): the rows directly.
    RecipeComponent.objects.create(
        finished_product_id=finished["id"], component_id=part["id"], quantity_required=quantity, unit_of_measure=unit
    )


@pytest.fixture
def croissant(api):
    """A croissant (70 g, counted in units, yield 85 %) made of 60 g of dough and 20 g of praline.

    Dough, per kg (yield 100 %): 0.5 kg wheat flour (gluten), 0.3 kg butter (milk), 0.2 kg water.
    Praline, per kg (yield 100 %): 0.55 kg hazelnut paste (nuts), 0.45 kg sugar (may contain sesame).
    Both components are stocked (10 kg each) so that a run can draw them.
    """
    flour = material(
        api,
        "Flour T45",
        label_name="wheat flour",
        allergens=["gluten"],
        nutrition=figures(1460, 345, "1.2", "0.2", 70, "1.5", 11, "0.01"),
    )
    butter = material(
        api,
        "Butter",
        label_name="butter",
        allergens=["milk"],
        nutrition=figures(3030, 737, 82, 54, "0.6", "0.6", "0.7", "1.5"),
    )
    water = material(api, "Water", label_name="water", nutrition=figures(0, 0, 0, 0, 0, 0, 0, 0))
    hazelnut = material(
        api,
        "Hazelnut paste",
        label_name="hazelnut paste",
        allergens=["nuts"],
        nutrition=figures(2700, 650, 60, "4.5", 17, 4, 15, "0.5"),
    )
    sugar = material(
        api, "Sugar", label_name="sugar", may_contain=["sesame"], nutrition=figures(1700, 400, 0, 0, 100, 100, 0, 0)
    )
    dough = product(api, "Croissant dough", "kg", stock_quantity="10")
    praline = product(api, "Praline", "kg", stock_quantity="10")
    line(api, dough, flour, "0.5")
    line(api, dough, butter, "0.3")
    line(api, dough, water, "0.2")
    line(api, praline, hazelnut, "0.55")
    line(api, praline, sugar, "0.45")
    croissant = product(api, "Croissant praliné", "unit", yield_percent="85", net_weight_g="70", shelf_life_days=2)
    component(croissant, dough, "60", "g")
    component(croissant, praline, "0.02", "kg")
    return {"croissant": croissant, "dough": dough, "praline": praline, "butter": butter, "sugar": sugar}


def declaration(api, finished):
    response = api.get(f"/api/v1/finished-products/{finished['id']}/declaration")
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def test_a_croissant_of_dough_and_praline_declares_its_allergens_ingredients_and_nutrition(api, croissant):
    answer = declaration(api, croissant["croissant"])

    # Through both levels: gluten (flour), milk (butter), nuts (hazelnut paste); sesame only "may contain".
    assert answer["allergens"] == ["gluten", "milk", "nuts"]
    assert answer["may_contain"] == ["sesame"]

    # In one croissant: 60 g of dough + 20 g of praline = 80 g in; 80 × 0.85 = 68 g out. Grams used per 100 g
    # of croissant (1169/2011 Annex VIII 3(a): relative to the finished product):
    #   wheat flour    60 × 0.50 = 30 g  → 30 / 68 = 44.1 %
    #   butter         60 × 0.30 = 18 g  → 26.5 %
    #   water          60 × 0.20 = 12 g  → 17.6 %
    #   hazelnut paste 20 × 0.55 = 11 g  → 16.2 %
    #   sugar          20 × 0.45 =  9 g  → 13.2 %
    assert [(item["name"], item["percent"]) for item in answer["ingredients"]] == [
        ("wheat flour", 44.1),
        ("butter", 26.5),
        ("water", 17.6),
        ("hazelnut paste", 16.2),
        ("sugar", 13.2),
    ]
    assert answer["ingredients"][0]["allergens"] == ["gluten"]
    assert answer["ingredient_list"] == "**wheat** flour, **butter**, water, **hazelnut** paste, sugar"

    # Per 100 g of croissant: Σ (figure per 100 g of the material × its grams) ÷ 68 g.
    hand = {
        "energy_kj": (1460 * 30 + 3030 * 18 + 2700 * 11 + 1700 * 9) / 68,  # 143340 / 68 = 2107.9
        "energy_kcal": (345 * 30 + 737 * 18 + 650 * 11 + 400 * 9) / 68,  # 34366 / 68 = 505.4
        "fat": (1.2 * 30 + 82 * 18 + 60 * 11) / 68,  # 2172 / 68 = 31.94
        "saturates": (0.2 * 30 + 54 * 18 + 4.5 * 11) / 68,  # 1027.5 / 68 = 15.11
        "carbohydrate": (70 * 30 + 0.6 * 18 + 17 * 11 + 100 * 9) / 68,  # 3197.8 / 68 = 47.03
        "sugars": (1.5 * 30 + 0.6 * 18 + 4 * 11 + 100 * 9) / 68,  # 999.8 / 68 = 14.70
        "protein": (11 * 30 + 0.7 * 18 + 15 * 11) / 68,  # 507.6 / 68 = 7.46
        "salt": (0.01 * 30 + 1.5 * 18 + 0.5 * 11) / 68,  # 32.8 / 68 = 0.482
    }
    nutrition = answer["nutrition_per_100g"]
    for name, expected in hand.items():
        assert nutrition[name] == pytest.approx(expected, rel=0.01), name
    assert answer["missing"] == []
    assert answer["changes"] == [] and answer["changed_at"] is None


def test_a_material_without_nutrition_is_named_and_the_figures_it_would_change_are_null(api, croissant):
    salt = material(api, "Fleur de sel", allergens=[])  # no figures at all
    line(api, croissant["dough"], salt, "0.01")
    answer = declaration(api, croissant["croissant"])
    assert {"type": "raw_product", "id": salt["id"], "name": "Fleur de sel", "reason": "no nutrition data"} in (
        answer["missing"]
    )
    # Never counted as zero: every figure it would add to is unknown.
    assert set(answer["nutrition_per_100g"].values()) == {None}
    assert "Fleur de sel" in [item["name"] for item in answer["ingredients"]]


def test_a_line_whose_mass_is_unknown_is_named_with_the_reason(api, croissant):
    eggs = material(api, "Eggs", allergens=["eggs"], nutrition=figures(600, 143, 10, 3, 1, 1, 13, "0.4"), unit="unit")
    line(api, croissant["dough"], eggs, "2", "unit")
    answer = declaration(api, croissant["croissant"])
    assert "eggs" in answer["allergens"]  # allergens do not need a mass
    (problem,) = [entry for entry in answer["missing"] if entry["name"] == "Eggs"]
    assert "has no mass" in problem["reason"] and "conversion" in problem["reason"]
    assert answer["ingredients"][-1] == {"name": "Eggs", "percent": None, "allergens": ["eggs"]}


def test_a_may_contain_that_is_also_contained_is_listed_only_as_an_allergen(api, croissant):
    api.patch(f"/api/v1/raw-products/{croissant['sugar']['id']}", {"may_contain": ["sesame", "milk"]}, format="json")
    answer = declaration(api, croissant["croissant"])
    assert "milk" in answer["allergens"] and answer["may_contain"] == ["sesame"]


def test_an_allergen_its_name_does_not_show_is_added_in_brackets():
    assert emphasise("Chocolat noir", ["milk", "soybeans"]) == "Chocolat noir (**milk**, **soybeans**)"
    assert emphasise("beurre doux", ["milk"]) == "**beurre** doux"


def test_the_declaration_costs_the_same_queries_for_one_or_three_levels(api, croissant):
    from inventory.models import FinishedProduct

    flat = FinishedProduct.objects.get(pk=croissant["dough"]["id"])
    deep = FinishedProduct.objects.get(pk=croissant["croissant"]["id"])
    tart = product(api, "Tarte", "unit", net_weight_g="300")
    component(tart, croissant["croissant"], "2", "unit")
    component(tart, croissant["praline"], "0.05", "kg")
    deeper = FinishedProduct.objects.get(pk=tart["id"])
    counts = []
    for finished in (flat, deep, deeper):
        with CaptureQueriesContext(connection) as queries:
            finished_product_declaration(finished)
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
    # Three levels: tart → croissant → dough → flour.
    assert "gluten" in finished_product_declaration(deeper)["allergens"]


def test_changing_butters_allergens_marks_the_croissant_and_lists_its_open_lots(api, croissant):
    plan = created(
        api.post(
            "/api/v1/production-plans",
            {
                "finished_product_id": croissant["croissant"]["id"],
                "planned_quantity": "10",
                "unit_of_measure": "unit",
                "planned_production_date": "2026-12-01T06:00:00Z",
                "planned_duration": "2",
                "hourly_rate": "20",
            },
            format="json",
        )
    )
    completed = api.post(f"/api/v1/production-plans/{plan['id']}/complete", {}, format="json")
    assert completed.status_code == 200, completed.json()
    lot = Lot.objects.get(source_type=Lot.Source.PRODUCTION_PLAN, source_id=plan["id"])

    response = api.patch(
        f"/api/v1/raw-products/{croissant['butter']['id']}", {"allergens": ["milk", "soybeans"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["allergens"] == ["soybeans", "milk"]  # Annex II order

    answer = declaration(api, croissant["croissant"])
    assert answer["allergens"] == ["gluten", "soybeans", "milk", "nuts"]
    assert [change["change"] for change in answer["changes"]] == ["soybeans added to allergens via Butter"]
    assert answer["changed_at"] is not None
    assert [(entry["id"], entry["code"]) for entry in answer["lots_under_old_declaration"]] == [(lot.pk, lot.code)]
    # The dough, one level down, is marked too; the praline, which has no butter, is not.
    assert [c["change"] for c in declaration(api, croissant["dough"])["changes"]] == [
        "soybeans added to allergens via Butter"
    ]
    assert declaration(api, croissant["praline"])["changes"] == []

    # The label of the lot made before the edit still prints the old declaration.
    pdf = api.get(f"/api/v1/lots/{lot.pk}/label?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    assert "Croissant praliné" in text and lot.code in text and "Net weight: 70 g" in text
    assert "Ingredients: wheat flour, butter, water, hazelnut paste, sugar" in text
    assert "May contain: sesame." in text
    assert "soybeans" not in text
    assert "2108 kJ / 505 kcal" in text
    label = api.get(f"/api/v1/lots/{lot.pk}/label").json()["data"]
    assert label["allergens"] == ["gluten", "milk", "nuts"] and label["code"] == lot.code

    # Acknowledged (new labels printed): the notice goes.
    response = api.post(f"/api/v1/finished-products/{croissant['croissant']['id']}/declaration/acknowledge")
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["changes"] == [] and response.json()["data"]["lots_under_old_declaration"] == []


def test_an_edit_that_does_not_change_a_declaration_marks_nothing(api, croissant):
    # Butter already declares milk; the croissant already declares gluten elsewhere: only the flour's
    # label name changes nothing for the praline.
    api.patch(f"/api/v1/raw-products/{croissant['butter']['id']}", {"name": "Beurre AOP"}, format="json")
    assert declaration(api, croissant["croissant"])["changes"] == []
    api.patch(f"/api/v1/raw-products/{croissant['butter']['id']}", {"allergens": ["milk", "milk"]}, format="json")
    assert declaration(api, croissant["croissant"])["changes"] == []


def test_a_lot_without_a_kept_declaration_is_a_clear_409(api, croissant):
    opening = Lot.objects.get(item_type="finished_product", item_id=croissant["dough"]["id"])
    body = assert_error(api.get(f"/api/v1/lots/{opening.pk}/label?format=pdf"), 409)
    assert "no declaration kept" in body["message"] and "/declaration" in body["message"]
    raw_lot = Lot.objects.filter(item_type="raw_product").first()
    assert "raw material" in assert_error(api.get(f"/api/v1/lots/{raw_lot.pk}/label"), 409)["message"]
    assert_error(api.get("/api/v1/lots/999999/label"), 404)
    assert_error(api.get(f"/api/v1/lots/{opening.pk}/label?format=docx"), 400, "format")


def test_unknown_finished_product_declaration_is_a_404(api):
    assert_error(api.get("/api/v1/finished-products/999999/declaration"), 404)


def test_yield_defaults_to_100_and_is_bounded(api):
    old_client = product(api, "Pain", "unit")  # a section A client that knows nothing of yields
    assert Decimal(str(old_client["yield_percent"])) == 100 and old_client["net_weight_g"] is None
    assert_error(
        api.patch(f"/api/v1/finished-products/{old_client['id']}", {"yield_percent": "0"}), 400, "yield_percent"
    )
    assert_error(
        api.patch(f"/api/v1/finished-products/{old_client['id']}", {"yield_percent": "501"}), 400, "yield_percent"
    )
    assert_error(
        api.patch(f"/api/v1/finished-products/{old_client['id']}", {"net_weight_g": "-1"}), 400, "net_weight_g"
    )


def complete_a_run(api, finished, quantity="10"):
    body = {
        "finished_product_id": finished["id"],
        "planned_quantity": quantity,
        "unit_of_measure": finished["unit_of_measure"],
        "planned_production_date": "2026-12-01T06:00:00Z",
        "planned_duration": "2",
        "hourly_rate": "20",
    }
    plan = created(api.post("/api/v1/production-plans", body, format="json"))
    assert api.post(f"/api/v1/production-plans/{plan['id']}/complete", {}, format="json").status_code == 200
    return Lot.objects.get(source_type=Lot.Source.PRODUCTION_PLAN, source_id=plan["id"])


def test_the_admin_shows_the_declaration_the_change_notice_and_the_lots_label(api, admin_client, croissant):
    lot = complete_a_run(api, croissant["croissant"])
    page_url = f"/admin/inventory/finishedproduct/{croissant['croissant']['id']}/change/"
    page = admin_client.get(page_url).content.decode()
    assert "what the label must declare" in page.lower()
    assert "<b>wheat</b> flour, <b>butter</b>, water, <b>hazelnut</b> paste, sugar" in page
    assert "May contain:</strong> sesame" in page and "2108.0 kJ" in page
    assert "Declaration changed" not in page

    # Butter's allergens edited in the admin: the croissant is marked, its page says so and lists the lot.
    butter = croissant["butter"]
    form = {
        "name": "Butter",
        "stock_quantity": "100.000",
        "unit_of_measure": "kg",
        "reorder_level": "0",
        "label_name": "butter",
        "allergens": ["milk", "soybeans"],
        "energy_kj": "3030",
        "energy_kcal": "737",
        "fat": "82",
        "saturates": "54",
        "carbohydrate": "0.6",
        "sugars": "0.6",
        "protein": "0.7",
        "salt": "1.5",
        "conversions-TOTAL_FORMS": "0",
        "conversions-INITIAL_FORMS": "0",
        "supplier_prices-TOTAL_FORMS": "0",
        "supplier_prices-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/inventory/rawproduct/{butter['id']}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    response = admin_client.get(page_url)
    page = response.content.decode()
    assert "Declaration changed" in page and "soybeans added to allergens via Butter" in page
    assert lot.code in page
    assert any("declaration changed" in str(message) for message in response.context["messages"])

    changed = admin_client.get("/admin/inventory/finishedproduct/?declaration_changed=true").content.decode()
    assert "Croissant praliné" in changed and "Praline" not in changed

    response = admin_client.post(
        "/admin/inventory/finishedproduct/",
        {"action": "acknowledge_declaration_changes", "_selected_action": [croissant["croissant"]["id"]]},
    )
    assert response.status_code == 302
    assert "Declaration changed" not in admin_client.get(page_url).content.decode()

    # The lot's page links its label, which still prints the old list.
    lot_page = admin_client.get(f"/admin/inventory/lot/{lot.pk}/change/").content.decode()
    assert f"/admin/inventory/lot/{lot.pk}/label/" in lot_page and "Label (PDF)" in lot_page
    pdf = admin_client.get(f"/admin/inventory/lot/{lot.pk}/label/")
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Ingredients: wheat flour, butter, water" in text and "soybeans" not in text

    # A lot with no kept declaration: back to its page with the reason, not an error page.
    opening = Lot.objects.get(item_type="finished_product", item_id=croissant["dough"]["id"])
    response = admin_client.get(f"/admin/inventory/lot/{opening.pk}/label/", follow=True)
    assert response.status_code == 200
    assert any("no declaration kept" in str(message) for message in response.context["messages"])


def test_the_label_prints_allergens_in_bold(api, croissant):
    lot = complete_a_run(api, croissant["croissant"])
    pdf = api.get(f"/api/v1/lots/{lot.pk}/label?format=pdf")
    bold = []

    def visit(text, cm, tm, font_dict, font_size):
        if font_dict and "Bold" in str(font_dict.get("/BaseFont", "")):
            bold.append(text.strip())

    for page in PdfReader(io.BytesIO(pdf.content)).pages:
        page.extract_text(visitor_text=visit)
    printed_bold = " ".join(bold)
    assert "butter" in printed_bold and "wheat" in printed_bold and "hazelnut" in printed_bold
    assert "sugar" not in printed_bold and "water" not in printed_bold


def test_packaging_is_no_ingredient_and_marking_it_so_changes_the_declaration(api, croissant):
    bag = created(
        api.post("/api/v1/raw-products", {"name": "Paper bag", "stock_quantity": "100", "unit_of_measure": "unit"})
    )
    line(api, croissant["croissant"], bag, "1", "unit")
    answer = declaration(api, croissant["croissant"])
    assert "Paper bag" in [item["name"] for item in answer["ingredients"]]  # no mass: named as missing
    assert any(entry["name"] == "Paper bag" for entry in answer["missing"])

    response = api.patch(f"/api/v1/raw-products/{bag['id']}", {"is_packaging": True}, format="json")
    assert response.status_code == 200 and response.json()["data"]["is_packaging"] is True
    answer = declaration(api, croissant["croissant"])
    assert "Paper bag" not in [item["name"] for item in answer["ingredients"]]
    assert answer["missing"] == [] and answer["nutrition_per_100g"]["fat"] is not None
    changes = [change["change"] for change in answer["changes"]]
    assert changes[0] == "ingredients now wheat flour, butter, water, hazelnut paste, sugar via Paper bag"
    assert changes[1].startswith("nutrition per 100 g changed via Paper bag: energy_kj unknown → 2108,")
