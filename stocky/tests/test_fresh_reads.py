"""No stale read across two server processes, whoever wrote (issue 16, docs/caching.md): two production servers
(the Dockerfile's CMD, 2 workers each, DEBUG off, the read cache on) against the test database, as
two nodes would be. A write through one of them, the admin, `manage.py import` or a raw SQL UPDATE is read at
once through both, lists included; racing writers and readers on real threads never read an answer older
than their own committed write."""

import subprocess
import sys
import threading
from contextlib import ExitStack, contextmanager

import pytest
import requests
from django.db import connection

from accounts import tokens
from accounts.models import Role
from accounts.tests.test_server import ROOT, production_env, user
from bench.server import Server, free_port
from inventory.models import RawProduct, Supplier
from inventory.tests.factories import RawProductFactory, SupplierFactory
from orders.tests.factories import RawProductOrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def nodes(tmp_path, count=2):
    """`count` servers on their own ports, always stopped."""
    with ExitStack() as stack:
        servers = []
        for n in range(count):
            port = free_port()
            env = production_env(WEB_CONCURRENCY="2")
            server = Server(env, port, tmp_path / f"node{n}.log")
            stack.callback(server.stop, wait=15)
            server.start(wait=90)
            servers.append(server)
        try:
            yield servers
        except BaseException:
            for server in servers:
                print(server.log_path.read_text()[-3000:])
            raise


class Caller:
    """One client of one server: every request on a new connection, so that any worker may answer."""

    def __init__(self, server, access):
        self.base, self.headers = server.base_url, {"Authorization": f"Bearer {access}"}

    def get(self, path, etag=None):
        headers = {**self.headers, **({"If-None-Match": etag} if etag else {})}
        response = requests.get(f"{self.base}/api/v1{path}", headers=headers, timeout=30)
        assert response.status_code in (200, 304), response.text
        return response

    def patch(self, path, body):
        response = requests.patch(f"{self.base}/api/v1{path}", json=body, headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        return response

    def names(self, path="/raw-products"):
        return {row["id"]: row["name"] for row in self.get(path).json()["data"]}


def access_for(role=Role.ADMIN):
    return str(tokens.refresh_token_issue(user=user(role)).access_token)


def every_reader(servers, access):
    return [Caller(server, access) for server in servers]


def test_a_write_through_any_door_is_read_at_once_on_both_servers(tmp_path, admin_client):
    flour = RawProductFactory(name="Flour")
    order = RawProductOrderFactory(raw_product=flour, supplier=SupplierFactory(name="Moulin"))
    access = access_for()
    with nodes(tmp_path) as servers:
        one, other = every_reader(servers, access)
        readers = [one, other] * 2  # each twice: both workers of each server, most likely
        for reader in readers:  # every worker caches the answers
            reader.get("/raw-products"), reader.get(f"/raw-products/{flour.pk}"), reader.get("/raw-product-orders")

        # The API on one server, read on the other (and on itself), again and again.
        for n in range(15):
            writer = one if n % 2 else other
            writer.patch(f"/raw-products/{flour.pk}", {"name": f"Flour {n}"})
            for reader in readers:
                assert reader.names()[flour.pk] == f"Flour {n}"
                assert reader.get(f"/raw-products/{flour.pk}").json()["data"]["name"] == f"Flour {n}"
                assert reader.get("/raw-product-orders").json()["data"][0]["raw_product_name"] == f"Flour {n}"

        # The admin (another process: this one).
        etags = {id(reader): reader.get("/suppliers").headers["ETag"] for reader in readers}
        saved = admin_client.post(
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
        assert saved.status_code == 302
        for reader in readers:
            answer = reader.get("/suppliers", etag=etags[id(reader)])
            assert answer.status_code == 200 and "Ferme" in {row["name"] for row in answer.json()["data"]}

        # `manage.py import`, in a process of its own.
        path = tmp_path / "materials.csv"
        path.write_text("name,stock_quantity,unit_of_measure\nSalt,2,kg\n")
        subprocess.run(
            [sys.executable, "manage.py", "import", "raw-products", str(path)],
            cwd=ROOT,
            env=production_env(),
            check=True,
            capture_output=True,
            timeout=120,
        )
        for reader in readers:
            assert "Salt" in reader.names().values()

        # A raw SQL UPDATE of a table the purchase orders' list joins (the triggers see it).
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Supplier._meta.db_table)
            cursor.execute(f"UPDATE {table} SET name = %s WHERE id = %s", ["Moulin Neuf", order.supplier_id])
        for reader in readers:
            assert reader.get("/raw-product-orders").json()["data"][0]["supplier_name"] == "Moulin Neuf"
            assert reader.get(f"/raw-products/{flour.pk}", etag="*").status_code == 304, "nothing else changed"


WRITERS, ROUNDS = 4, 25


def test_racing_writers_and_readers_never_read_an_answer_older_than_their_own_write(tmp_path):
    products = [RawProductFactory(name=f"Material {n}") for n in range(WRITERS)]
    for product in products[:2]:
        RawProductOrderFactory(raw_product=product)
    access = access_for()
    stale, failures, stop = [], [], threading.Event()
    with nodes(tmp_path) as servers:

        def write_then_read(n, product):
            # Writes through one server, reads its own write back through the other, at once.
            one, other = Caller(servers[n % 2], access), Caller(servers[(n + 1) % 2], access)
            try:
                for round_ in range(ROUNDS):
                    name = f"Material {n}.{round_}"
                    one.patch(f"/raw-products/{product.pk}", {"name": name})
                    seen = [
                        other.names()[product.pk],
                        other.get(f"/raw-products/{product.pk}").json()["data"]["name"],
                        one.names()[product.pk],
                    ]
                    stale.extend((name, got) for got in seen if got != name)
            except Exception as exc:  # noqa: BLE001 -- reported below, with the thread's name
                failures.append(f"writer {n}: {exc!r}")

        def keep_reading(server):
            # Readers racing the writers keep every worker's cache busy with in-between answers.
            reader = Caller(server, access)
            try:
                while not stop.is_set():
                    reader.get("/raw-products"), reader.get("/raw-product-orders")
            except Exception as exc:  # noqa: BLE001
                failures.append(f"reader: {exc!r}")

        readers = [threading.Thread(target=keep_reading, args=(server,)) for server in servers]
        writers = [threading.Thread(target=write_then_read, args=(n, p)) for n, p in enumerate(products)]
        for thread in readers + writers:
            thread.start()
        for thread in writers:
            thread.join(timeout=240)
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
    assert failures == []
    assert stale == [], f"{len(stale)} stale reads, e.g. {stale[:5]}"
    assert dict(RawProduct.objects.values_list("pk", "name")) == {
        product.pk: f"Material {n}.{ROUNDS - 1}" for n, product in enumerate(products)
    }
