"""Hostile request bodies the schema fuzzer does not think of: numbers out of every range, values of the
wrong type, JSON nested past the recursion limit, 10 MB bodies, wrong content types and encodings, lone
surrogates, NUL characters and unicode that must survive the round trip (on SQLite and on MariaDB).

Each refusal is a 4xx in the shared envelope that changes nothing in the database."""

import json

import pytest
from django.core.cache import cache

from inventory.models import Category, FinishedProduct, Product, RawProduct, Supplier
from orders.models import CatalogueOrder, Client, RawProductOrder
from stocky.tests.hostile import assert_refused, raw, unchanged_database

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def fresh_throttles():
    # The public auth endpoints are throttled, and the counts live in the cache.
    cache.clear()
    yield
    cache.clear()


def body_with(base, field, value_json):
    """`base` as JSON text with `field` set to the raw JSON `value_json` (which json.dumps could not
    write: 1e400, NaN, numbers beyond a float)."""
    text = json.dumps({**base, field: "__HOSTILE__"})
    return text.replace('"__HOSTILE__"', value_json)


@pytest.fixture
def writes(shop):
    """For each kind of write: its method, path and a valid body, keyed by a short name."""
    flour = RawProduct.objects.get(name__startswith="Flour")
    moulins = Supplier.objects.get(name="Moulins Bio")
    tart = FinishedProduct.objects.get(name="Tarte au sucre")
    bistro = Client.objects.get(name="Le Bistrot")
    iphone = Product.objects.get(name="iPhone 12")
    return {
        "raw-product": ("POST", "/api/v1/raw-products", {"name": "Rye", "stock_quantity": 1, "unit_of_measure": "kg"}),
        "raw-product-order": (
            "POST",
            "/api/v1/raw-product-orders",
            {
                "raw_product_id": flour.pk,
                "supplier_id": moulins.pk,
                "quantity": 5,
                "price": 4.75,
                "expected_delivery_date": "2026-04-01",
            },
        ),
        "finished-product-order": (
            "POST",
            "/api/v1/finished-product-orders",
            {
                "finished_product_id": tart.pk,
                "client_id": bistro.pk,
                "quantity": 2,
                "sale_price": 18,
                "expected_delivery_date": "2026-04-01T08:00:00Z",
            },
        ),
        "production-plan": (
            "POST",
            "/api/v1/production-plans",
            {
                "finished_product_id": tart.pk,
                "planned_quantity": 10,
                "unit_of_measure": "unit",
                "planned_production_date": "2026-04-01T04:00:00Z",
                "planned_duration": 2,
                "hourly_rate": 20,
            },
        ),
        "price-list-line": (
            "PATCH",
            f"/api/v1/supplier-raw-products/{moulins.pk}/{flour.pk}",
            {"unit_price": 1.05},
        ),
        "product": ("POST", "/api/v1/products", {"name": "Case", "category": "Phones", "quantity": 3}),
        "product-quantity": ("PATCH", f"/api/v1/products/quantity/{iphone.pk}", {"delta": 1}),
        "catalogue-order": (
            "POST",
            "/api/v1/products/orders",
            {"itemId": iphone.pk, "client": "Ada", "description": "", "quantity": 1, "initialState": "Pending"},
        ),
    }


# (write, field): the numbers of every kind of write, quantities, prices and ids.
NUMBER_FIELDS = [
    ("raw-product", "stock_quantity"),
    ("raw-product-order", "quantity"),
    ("raw-product-order", "price"),
    ("finished-product-order", "sale_price"),
    ("production-plan", "planned_quantity"),
    ("production-plan", "hourly_rate"),
    ("price-list-line", "unit_price"),
    ("product", "quantity"),
    ("product-quantity", "delta"),
    ("catalogue-order", "quantity"),
]
ID_FIELDS = [
    ("raw-product-order", "raw_product_id"),
    ("raw-product-order", "supplier_id"),
    ("finished-product-order", "client_id"),
    ("production-plan", "finished_product_id"),
    ("catalogue-order", "itemId"),
]
# Raw JSON values that no quantity, price or id can be.
NOT_A_NUMBER = [
    "1e400",  # parsed as float('inf')
    "-1e400",
    str(10**40),
    "99999999999999999.999",
    '"99999999999999999.999"',
    '"NaN"',
    '"Infinity"',
    '"-Infinity"',
    "true",
    "false",
    "[]",
    "{}",
    "[1]",
    '{"value": 1}',
    '"one"',
]
NOT_AN_ID = [*NOT_A_NUMBER, "1.5", "-1", "0", '"1e3"', '"1 OR 1=1"', "null"]


def test_the_writes_are_valid_as_given(api, writes):
    # The tests below change one field of these bodies: they prove something only if the rest is valid.
    for name, (method, path, body) in writes.items():
        response = raw(api, method, path, json.dumps(body))
        assert response.status_code in (200, 201), (name, response.content)


@pytest.mark.parametrize("write,field", NUMBER_FIELDS)
@pytest.mark.parametrize("value", NOT_A_NUMBER)
def test_a_number_out_of_range_or_of_the_wrong_type_is_a_400_on_its_field(api, writes, write, field, value):
    method, path, base = writes[write]
    with unchanged_database():
        body = assert_refused(raw(api, method, path, body_with(base, field, value)), 400)
    assert set(body["errors"]) == {field}


@pytest.mark.parametrize("write,field", ID_FIELDS)
@pytest.mark.parametrize("value", NOT_AN_ID)
def test_an_id_that_is_not_a_whole_number_in_range_is_a_400_on_its_field(api, writes, write, field, value):
    # 1e400 used to reach the lookup as infinity (OverflowError, a 500), and 1.5 to name record 1.
    method, path, base = writes[write]
    with unchanged_database():
        body = assert_refused(raw(api, method, path, body_with(base, field, value)), 400)
    assert set(body["errors"]) == {field}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_as_json_literals_are_a_400(api, writes, literal):
    method, path, base = writes["raw-product"]
    with unchanged_database():
        body = assert_refused(raw(api, method, path, body_with(base, "stock_quantity", literal)), 400)
    assert literal in body["message"]


@pytest.mark.parametrize(
    "value,stored",
    [("-0", 0), ("-0.0", 0), ('"-0"', 0), ("1e3", 1000), ('"1e3"', 1000), ("1E3", 1000), ('"2.5e-1"', 0.25)],
)
def test_negative_zero_and_exponents_are_plain_numbers(api, writes, value, stored):
    method, path, base = writes["raw-product"]
    response = raw(api, method, path, body_with(base, "stock_quantity", value))
    assert response.status_code == 201
    assert response.json()["data"]["stock_quantity"] == stored
    assert RawProduct.objects.get(pk=response.json()["data"]["id"]).stock_quantity == stored


def test_a_whole_float_is_an_id_and_names_its_record(api, writes):
    method, path, base = writes["raw-product-order"]
    response = raw(api, method, path, body_with(base, "supplier_id", f"{base['supplier_id']}.0"))
    assert response.status_code == 201 and response.json()["data"]["supplier_id"] == base["supplier_id"]


@pytest.mark.parametrize("value", ["true", "[]", "{}", '["Rye"]', '{"text": "Rye"}', "null"])
def test_an_array_object_or_boolean_where_text_is_expected_is_a_400(api, writes, value):
    method, path, base = writes["raw-product"]
    with unchanged_database():
        body = assert_refused(raw(api, method, path, body_with(base, "name", value)), 400)
    assert set(body["errors"]) == {"name"}


def test_a_number_where_text_is_expected_is_stored_as_its_text(api, writes):
    method, path, base = writes["raw-product"]
    response = raw(api, method, path, body_with(base, "name", "12345"))
    assert response.status_code == 201 and RawProduct.objects.get(pk=response.json()["data"]["id"]).name == "12345"


@pytest.mark.parametrize("value", ['"commande; DROP TABLE orders"', '"\\u0000"', "1", "[]", '"COMMANDE"'])
def test_a_status_that_is_not_one_of_the_values_is_a_400(api, shop, value):
    order = RawProductOrder.objects.first()
    with unchanged_database():
        body = assert_refused(
            raw(api, "PATCH", f"/api/v1/raw-product-orders/{order.pk}/status", f'{{"status": {value}}}'), 400
        )
    assert set(body["errors"]) == {"status"}


# --- The body as a whole -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["[]", "[1, 2]", "1", '"Rye"', "null", "true"])
def test_a_body_that_is_not_an_object_is_a_400(api, writes, text):
    for _name, (method, path, _body) in writes.items():
        with unchanged_database():
            assert_refused(raw(api, method, path, text), 400)


@pytest.mark.parametrize("opening", ["[", '{"a": ', '{"name": ['])
def test_json_nested_100_000_deep_is_a_400_not_a_recursion_error(api, writes, opening):
    # Python's json raises RecursionError here, which DRF does not catch: it was a 500.
    for name, (method, path, _body) in writes.items():
        with unchanged_database():
            body = assert_refused(raw(api, method, path, opening * 100_000), 400)
        assert "nested too deeply" in body["message"], name


def test_json_nested_within_the_limit_is_judged_field_by_field(api, writes):
    method, path, base = writes["raw-product"]
    with unchanged_database():
        body = assert_refused(raw(api, method, path, body_with(base, "name", "[" * 500 + "]" * 500)), 400)
    assert set(body["errors"]) == {"name"}


def test_the_log_in_and_refresh_bodies_nested_too_deep_are_a_400(anon):
    for path in ("/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/register"):
        assert_refused(raw(anon, "POST", path, "[" * 100_000), 400)


@pytest.mark.parametrize("field,length", [("name", 256), ("unit_of_measure", 21)])
def test_text_beyond_its_maximum_length_is_a_400(api, writes, field, length):
    method, path, base = writes["raw-product"]
    with unchanged_database():
        body = assert_refused(raw(api, method, path, json.dumps({**base, field: "k" * length})), 400)
    assert set(body["errors"]) == {field}


@pytest.mark.parametrize("length", [255, 70_000])
def test_a_supplier_email_far_beyond_its_maximum_length_is_a_400(api, shop, length):
    # DRF ran the uniqueness query on it although the length check had failed: on SQLite an `iexact` LIKE
    # pattern over 50,000 bytes is an error (a 500).
    body = {"name": "Big", "phone": "1", "contact_person": "Al", "email": "a" * (length - 10) + "@x.example"}
    with unchanged_database():
        response = raw(api, "POST", "/api/v1/suppliers", json.dumps(body))
        assert set(assert_refused(response, 400)["errors"]) == {"email"}
        supplier = Supplier.objects.get(name="Moulins Bio")
        response = raw(api, "PATCH", f"/api/v1/suppliers/{supplier.pk}", json.dumps({"email": body["email"]}))
        assert set(assert_refused(response, 400)["errors"]) == {"email"}


# --- Size ---------------------------------------------------------------------------------------------


def test_a_10_mb_json_body_is_a_413(api, writes, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 10 * MB
    method, path, base = writes["raw-product"]
    with unchanged_database():
        assert_refused(raw(api, method, path, json.dumps({**base, "name": "k" * (10 * MB)})), 413)
        # The same with a body that is not even JSON: refused on its size, before it is read.
        assert_refused(raw(api, method, path, b"[" * (10 * MB)), 413)


def test_a_10_mb_urlencoded_form_is_a_413(api):
    with unchanged_database():
        response = raw(
            api, "POST", "/api/v1/raw-products", "name=" + "k" * (10 * MB), "application/x-www-form-urlencoded"
        )
        assert_refused(response, 413)


def test_a_10_mb_multipart_form_is_a_413_whatever_it_holds(api, shop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def ten_mb_file():
        return SimpleUploadedFile("photo.png", b"\x89PNG" + b"\0" * (10 * MB), "image/png")

    with unchanged_database():
        for data in [
            {"name": "X", "category": "Phones", "image": ten_mb_file()},
            {"name": "k" * (10 * MB), "category": "Phones"},
            # A file in a field that nobody reads was streamed to a temporary file, then the product created.
            {"name": "X", "category": "Phones", "attachment": ten_mb_file()},
        ]:
            assert_refused(api.post("/api/v1/products", data, format="multipart"), 413)


def test_a_10_mb_body_to_the_public_log_in_is_a_413(anon):
    body = json.dumps({"email": "a@example.com", "password": "k" * (10 * MB)})
    assert_refused(raw(anon, "POST", "/api/v1/auth/login", body), 413)


def test_a_10_mb_body_without_a_token_is_a_401_and_is_not_read(anon):
    assert_refused(raw(anon, "POST", "/api/v1/raw-products", b"[" * (10 * MB)), 401)


def test_a_body_just_under_the_limit_is_parsed(api, settings):
    # The limit is on the body, not on what it holds: this one is read and judged on its fields.
    padding = "k" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 200)
    body = assert_refused(raw(api, "POST", "/api/v1/raw-products", json.dumps({"name": padding})), 400)
    assert set(body["errors"]) == {"name", "stock_quantity", "unit_of_measure"}


# --- Content types and encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "text/html", "application/octet-stream", "application/x-yaml", "image/png"],
)
def test_a_body_of_a_type_the_api_does_not_read_is_a_415(api, writes, content_type):
    method, path, base = writes["raw-product"]
    with unchanged_database():
        assert_refused(raw(api, method, path, json.dumps(base), content_type), 415)


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib", "base64", "rot13", "hex"])
def test_a_charset_that_is_not_a_text_encoding_is_a_400(api, writes, charset):
    # A bytes-to-bytes codec would decompress the body past every size check (DRF refuses those). A charset
    # name that no codec has is ignored by Django, which then reads UTF-8.
    method, path, base = writes["raw-product"]
    with unchanged_database():
        assert_refused(raw(api, method, path, json.dumps(base), f"application/json; charset={charset}"), 400)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_an_empty_body_is_a_400_naming_the_required_fields(api, content_type):
    with unchanged_database():
        body = assert_refused(raw(api, "POST", "/api/v1/raw-products", b"", content_type), 400)
    assert set(body["errors"]) == {"name", "stock_quantity", "unit_of_measure"}


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "Rye \xff", "stock_quantity": 1, "unit_of_measure": "kg"}',
        b"\xc3\x28",
        b"\xed\xa0\x80",
        b"\xff\xfe{\x00}\x00",
    ],
)
def test_a_json_body_that_is_not_utf8_is_a_400(api, content):
    with unchanged_database():
        assert_refused(raw(api, "POST", "/api/v1/raw-products", content), 400)


def test_a_json_body_starting_with_a_byte_order_mark_is_a_400(api, writes):
    # RFC 8259: JSON text must not begin with a BOM. Refused with a message that says so, not guessed at.
    method, path, base = writes["raw-product"]
    with unchanged_database():
        body = assert_refused(raw(api, method, path, b"\xef\xbb\xbf" + json.dumps(base).encode()), 400)
    assert "BOM" in body["message"]


def test_a_form_body_with_bytes_that_are_not_utf8_keeps_them_as_replacement_characters(api):
    # Django decodes forms leniently: the bytes cannot reach the database as anything but text.
    response = raw(
        api,
        "POST",
        "/api/v1/raw-products",
        b"name=Rye%FF&stock_quantity=1&unit_of_measure=kg",
        "application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert RawProduct.objects.get(pk=response.json()["data"]["id"]).name == "Rye\ufffd"


# --- Lone surrogates, NUL and unicode -----------------------------------------------------------------


@pytest.mark.parametrize("surrogate", ["\\ud800", "\\udfff", "a\\udc00b", "\\ude00\\ud83d"])
def test_a_lone_surrogate_anywhere_in_a_body_is_a_400(api, writes, surrogate):
    # Not text: SQLite and MariaDB cannot store it, and the error message that quoted it (an unknown
    # status, an unknown category) failed to render as UTF-8, a 500.
    method, path, base = writes["raw-product"]
    with unchanged_database():
        for name in ("name", "unit_of_measure", "no_such_field"):
            body = assert_refused(raw(api, method, path, body_with(base, name, f'"{surrogate}"')), 400)
            assert "surrogate" in body["message"]
        order = RawProductOrder.objects.first()
        assert_refused(
            raw(api, "PATCH", f"/api/v1/raw-product-orders/{order.pk}/status", f'{{"status": "{surrogate}"}}'), 400
        )
        assert_refused(raw(api, "POST", "/api/v1/products", f'{{"name": "X", "category": "{surrogate}"}}'), 400)
        assert_refused(raw(api, "POST", "/api/v1/products/categories", f'{{"name": "{surrogate}"}}'), 400)
        assert_refused(raw(api, method, path, f'{{"{surrogate}": 1}}'), 400)


def test_a_lone_surrogate_in_the_public_auth_bodies_is_a_400(anon):
    # The log-in throttle hashed the e-mail before any field was checked: UnicodeEncodeError, a 500.
    with unchanged_database():
        assert_refused(raw(anon, "POST", "/api/v1/auth/login", '{"email": "\\ud800@x.example", "password": "x"}'), 400)
        assert_refused(raw(anon, "POST", "/api/v1/auth/refresh", '{"refreshToken": "\\ud800"}'), 400)
        assert_refused(
            raw(anon, "POST", "/api/v1/auth/register", '{"token": "\\ud800", "username": "a", "password": "b"}'), 400
        )


def test_a_surrogate_pair_and_an_escaped_backslash_are_ordinary_text(api, writes):
    method, path, base = writes["raw-product"]
    for name_json, stored in [('"\\ud83d\\ude00 Rye"', "😀 Rye"), ('"\\\\ud800"', "\\ud800")]:
        response = raw(api, method, path, body_with(base, "name", name_json))
        assert response.status_code == 201
        assert RawProduct.objects.get(pk=response.json()["data"]["id"]).name == stored


UNICODE_TEXTS = [
    "Crème brûlée 🍮",  # 4-byte emoji: needs utf8mb4 on MariaDB
    "שלום עולם",  # right to left
    "مرحبا بالعالم",
    "e\u0301te\u0301 n\u0303",  # combining accents, not precomposed
    "👩‍👩‍👧 famille",  # a zero-width-joiner sequence
    "\u202eevil\u202c",  # a right-to-left override: text like any other
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎",  # outside the basic plane
]


@pytest.mark.parametrize("text", UNICODE_TEXTS)
def test_unicode_text_round_trips_and_is_found_by_search(api, shop, text):
    supplier = {"name": text, "phone": "1", "email": "u@x.example", "contact_person": text}
    response = api.post("/api/v1/suppliers", supplier)
    assert response.status_code == 201
    pk = response.json()["data"]["id"]
    assert Supplier.objects.get(pk=pk).name == text
    read = api.get(f"/api/v1/suppliers/{pk}").json()["data"]
    assert read["name"] == read["contact_person"] == text
    word = text.split()[0]
    assert [row["id"] for row in api.get("/api/v1/suppliers", {"search": word}).json()["data"]] == [pk]

    response = api.post("/api/v1/products", {"name": text, "category": "Phones", "description": text * 3})
    assert response.status_code == 201 and response.json()["description"] == text * 3
    assert Product.objects.get(pk=response.json()["id"]).name == text


@pytest.mark.parametrize("name", ["Émile", "Crème", "Ωmega", "😀"])
def test_a_category_with_a_non_ascii_name_is_found_by_its_exact_name(api, name):
    # SQLite's LOWER folds ASCII only: the category was looked up by Python's lower() and not found, or a
    # product went to another category ("émile" for "Émile").
    other = name.lower() if name.lower() != name else None
    assert api.post("/api/v1/products/categories", {"name": name}).status_code == 201
    if other:  # a second category on SQLite (ASCII-only folding), refused as the same name on MariaDB
        api.post("/api/v1/products/categories", {"name": other})
    response = api.post("/api/v1/products", {"name": "Thing", "category": name})
    assert response.status_code == 201 and response.json()["category"] == name
    assert Product.objects.get(pk=response.json()["id"]).category.name == name
    listed = api.get("/api/v1/products", {"category": name}).json()["products"]
    assert [row["id"] for row in listed] == [response.json()["id"]]
    assert api.delete(f"/api/v1/products/categories/{name}").status_code == 204
    assert not Product.objects.filter(pk=response.json()["id"]).exists()


@pytest.mark.parametrize("text", ["\x00", "Rye\x00", "\x00; DROP TABLE inventory_rawproduct"])
def test_a_nul_character_in_text_is_a_400_in_json_forms_and_multipart(api, text):
    with unchanged_database():
        for data, fmt in [
            ({"name": text, "stock_quantity": 1, "unit_of_measure": "kg"}, "json"),
            ({"name": text, "stock_quantity": 1, "unit_of_measure": "kg"}, "multipart"),
        ]:
            body = assert_refused(api.post("/api/v1/raw-products", data, format=fmt), 400)
            assert body["errors"] == {"name": ["Null characters are not allowed."]}
        response = raw(
            api,
            "POST",
            "/api/v1/raw-products",
            "name=Rye%00&stock_quantity=1&unit_of_measure=kg",
            "application/x-www-form-urlencoded",
        )
        assert assert_refused(response, 400)["errors"] == {"name": ["Null characters are not allowed."]}
        assert_refused(api.post("/api/v1/products", {"name": text, "category": "Phones"}), 400)
        assert_refused(api.post("/api/v1/products/orders", {"itemId": 1, "client": text, "quantity": 1}), 400)
        assert_refused(api.post("/api/v1/products/categories", {"name": text}), 400)


def test_a_refused_catalogue_order_leaves_stock_and_orders_alone(api, shop):
    iphone = Product.objects.get(name="iPhone 12")
    with unchanged_database():
        for quantity in ["1e400", str(10**40), '"NaN"', "true", "[1]", "-1", "0"]:
            body = f'{{"itemId": {iphone.pk}, "client": "Ada", "quantity": {quantity}}}'
            assert_refused(raw(api, "POST", "/api/v1/products/orders", body), 400)
    assert not CatalogueOrder.objects.exists() and Category.objects.count() == 2
