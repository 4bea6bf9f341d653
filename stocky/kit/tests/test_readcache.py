"""Reads served from the read cache or answered 304 are never stale, whoever wrote, and never reach a caller
the view would refuse (stocky.kit.readcache, stocky.kit.versions, docs/caching.md)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from inventory.models import RawProduct, Supplier
from inventory.tests.factories import RawProductFactory, SupplierFactory
from inventory.views import RawProductViewSet
from orders.tests.factories import RawProductOrderFactory
from stocky.kit import versions

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(row["name"] for row in response.json()["data"])


def test_a_list_carries_an_etag_and_if_none_match_gets_a_304_without_a_body_until_a_write(api):
    RawProductFactory(name="Flour")
    first = api.get("/api/v1/raw-products")
    etag = first["ETag"]
    assert first.status_code == 200 and etag and first["Cache-Control"] == "private, no-cache"
    unchanged = api.get("/api/v1/raw-products", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag

    assert (
        api.post("/api/v1/raw-products", {"name": "Salt", "stock_quantity": 0, "unit_of_measure": "kg"}).status_code
        == 201
    )
    changed = api.get("/api/v1/raw-products", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and names(changed) == ["Flour", "Salt"]
    assert changed["ETag"] != etag
    assert api.get("/api/v1/raw-products", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


def test_a_single_read_carries_an_etag_and_a_change_to_it_gives_a_new_one(api):
    flour = RawProductFactory(name="Flour")
    first = api.get(f"/api/v1/raw-products/{flour.pk}")
    assert api.get(f"/api/v1/raw-products/{flour.pk}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api.patch(f"/api/v1/raw-products/{flour.pk}", {"name": "Rye flour"}).status_code == 200
    changed = api.get(f"/api/v1/raw-products/{flour.pk}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["data"]["name"] == "Rye flour"


def test_a_repeated_read_is_served_with_one_query_and_the_same_bytes(api):
    RawProductOrderFactory.create_batch(3)
    first = api.get("/api/v1/raw-product-orders")
    api.get("/api/v1/raw-product-orders")  # the caller's row is read for the fast path (test_readcache_fast_path)
    with CaptureQueriesContext(connection) as captured:
        again = api.get("/api/v1/raw-product-orders")
    assert again.content == first.content and again["ETag"] == first["ETag"]
    read = [query["sql"] for query in captured]
    assert len(read) == 1 and versions.TABLE in read[0], read


def test_a_joined_name_changed_in_another_table_shows_in_the_list_at_once(api):
    # The purchase orders' list reads the suppliers' and the raw products' names: their versions count too.
    order = RawProductOrderFactory(supplier=SupplierFactory(name="Moulin"))
    first = api.get("/api/v1/raw-product-orders")
    assert first.json()["data"][0]["supplier_name"] == "Moulin"
    Supplier.objects.filter(pk=order.supplier_id).update(name="Moulin Neuf")
    second = api.get("/api/v1/raw-product-orders", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second.json()["data"][0]["supplier_name"] == "Moulin Neuf"


def test_a_raw_sql_update_is_seen_by_the_next_read(api):
    flour = RawProductFactory(name="Flour")
    assert names(api.get("/api/v1/raw-products")) == ["Flour"]
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(RawProduct._meta.db_table)
        cursor.execute(f"UPDATE {table} SET name = %s WHERE id = %s", ["Spelt", flour.pk])
    assert names(api.get("/api/v1/raw-products")) == ["Spelt"]
    assert api.get(f"/api/v1/raw-products/{flour.pk}").json()["data"]["name"] == "Spelt"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [flour.pk])
    assert names(api.get("/api/v1/raw-products")) == []
    assert api.get(f"/api/v1/raw-products/{flour.pk}").status_code == 404


def test_an_admin_save_is_seen_by_the_next_read(api, admin_client):
    SupplierFactory(name="Moulin")
    assert [row["name"] for row in api.get("/api/v1/suppliers").json()["data"]] == ["Moulin"]
    response = admin_client.post(
        "/admin/inventory/supplier/add/",
        {
            "name": "Ferme",
            "phone": "0400000000",
            "email": "ferme@example.com",
            "contact_person": "Marie",
            "price_list-TOTAL_FORMS": "0",
            "price_list-INITIAL_FORMS": "0",
            "price_list-MIN_NUM_FORMS": "0",
            "price_list-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    assert sorted(row["name"] for row in api.get("/api/v1/suppliers").json()["data"]) == ["Ferme", "Moulin"]


def test_an_import_is_seen_by_the_next_read(api, run, tmp_path):
    RawProductFactory(name="Flour")
    assert names(api.get("/api/v1/raw-products")) == ["Flour"]
    path = tmp_path / "materials.csv"
    path.write_text("name,stock_quantity,unit_of_measure\nSalt,2,kg\n")
    run("import", "raw-products", str(path))
    assert names(api.get("/api/v1/raw-products")) == ["Flour", "Salt"]


def test_a_rolled_back_write_leaves_the_cache_answering_what_the_database_holds(api):
    RawProductFactory(name="Flour")
    before = api.get("/api/v1/raw-products")
    with pytest.raises(RuntimeError), transaction.atomic():
        RawProductFactory(name="Ghost")
        assert names(api.get("/api/v1/raw-products")) == ["Flour", "Ghost"]  # cached inside the transaction
        raise RuntimeError
    # The rollback restored the versions with the rows: the body cached inside is not served.
    after = api.get("/api/v1/raw-products")
    assert names(after) == ["Flour"] and after["ETag"] == before["ETag"]
    # A later write never lands on the version the rolled-back one had (stamps are random, not counters).
    RawProductFactory(name="Salt")
    assert names(api.get("/api/v1/raw-products")) == ["Flour", "Salt"]


def test_roles_never_share_an_answer_and_a_refused_caller_gets_no_cached_body(client_for, anon, monkeypatch):
    RawProductFactory(name="Flour")
    admin, readonly = client_for(Role.ADMIN), client_for(Role.READONLY)
    cached = admin.get("/api/v1/raw-products")
    assert cached.status_code == 200
    # A read-only user may read the list too, but its answer is its own: another ETag, no 304 on the Admin's.
    own = readonly.get("/api/v1/raw-products", HTTP_IF_NONE_MATCH=cached["ETag"])
    assert own.status_code == 200 and own["ETag"] != cached["ETag"]
    # Were the list for Admins only, the cached body and a 304 would still never reach anyone else.
    monkeypatch.setattr(RawProductViewSet, "role_overrides", {"GET": {Role.ADMIN}}, raising=False)
    assert admin.get("/api/v1/raw-products").status_code == 200
    refused = readonly.get("/api/v1/raw-products", HTTP_IF_NONE_MATCH=cached["ETag"])
    assert refused.status_code == 403 and "Flour" not in refused.content.decode() and not refused.has_header("ETag")
    unsigned = anon.get("/api/v1/raw-products", HTTP_IF_NONE_MATCH=cached["ETag"])
    assert unsigned.status_code == 401 and "Flour" not in unsigned.content.decode()


def test_errors_are_never_cached_and_carry_no_etag(api):
    missing = api.get("/api/v1/raw-products/999")
    assert missing.status_code == 404 and not missing.has_header("ETag")
    bad = api.get("/api/v1/raw-products?page=0")
    assert bad.status_code == 400 and not bad.has_header("ETag")
    assert api.get("/api/v1/raw-products?page=0", HTTP_IF_NONE_MATCH="*").status_code == 400
    RawProductFactory(id=999, name="Flour")
    assert api.get("/api/v1/raw-products/999").json()["data"]["name"] == "Flour"


def test_the_query_string_and_accept_header_are_part_of_the_answer(api):
    RawProductFactory.create_batch(3)
    every = api.get("/api/v1/raw-products")
    page = api.get("/api/v1/raw-products?page=1&page_size=2")
    assert len(every.json()["data"]) == 3 and len(page.json()["data"]) == 2
    assert every["ETag"] != page["ETag"]
    indented = api.get("/api/v1/raw-products", HTTP_ACCEPT="application/json; indent=2")
    assert indented.content != every.content and indented.json() == every.json()


def test_every_versioned_table_has_its_triggers():
    # post_migrate installs them for tables that later migrations made.
    found = versions.read(sorted(versions.versioned_tables()))
    assert found.keys() == versions.versioned_tables()
