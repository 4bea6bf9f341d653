"""Two application servers on one database, as two machines behind a load balancer: what one of them writes,
the other serves at once (issue 16). Each server is the Docker image's CMD (granian through stocky/serve.py),
DEBUG off, in its own processes on its own loopback port, against the test database; the soak
(bench/soak.py, `--soak`) runs the same check for minutes under load."""

from contextlib import ExitStack
from decimal import Decimal

import pytest
import requests

from accounts.models import Role

# The production environment, users and sessions of the server tests (not tests themselves).
from accounts.tests.test_server import production_env, session, user
from bench.server import Server, free_port
from inventory import services

pytestmark = pytest.mark.django_db(transaction=True)


def start_nodes(stack, tmp_path, count=2):
    nodes = []
    for n in range(count):
        port = free_port()
        node = Server(production_env(WEB_CONCURRENCY="2"), port, tmp_path / f"node-{n + 1}.log", kind="shipped")
        stack.callback(node.stop, wait=15)
        nodes.append(node.start(wait=90))
    return nodes


def test_what_one_server_writes_the_other_serves_at_once(tmp_path):
    admin = user(Role.ADMIN)
    access, _ = session(admin)
    product = services.raw_product_create(name="Farine T55", unit_of_measure="kg", stock_quantity=Decimal("4"))
    headers = {"Authorization": f"Bearer {access}"}
    row = f"/api/v1/raw-products/{product.pk}"
    listed = "/api/v1/raw-products?page=1&page_size=50"
    with ExitStack() as stack:
        first, second = start_nodes(stack, tmp_path)
        with requests.Session() as on_second:
            # The second server reads the row and the list first (and may keep them, or give ETags).
            before = {
                path: on_second.get(second.base_url + path, headers=headers, timeout=30) for path in (row, listed)
            }
            assert [answer.status_code for answer in before.values()] == [200, 200]
            assert before[row].json()["data"]["name"] == "Farine T55"

            written = requests.patch(
                first.base_url + row, json={"name": "Farine T65", "stock_quantity": "7.5"}, headers=headers, timeout=30
            )
            assert written.status_code == 200, written.text

            for path, earlier in before.items():
                etag = earlier.headers.get("ETag")
                answer = on_second.get(
                    second.base_url + path, headers={**headers, **({"If-None-Match": etag} if etag else {})}, timeout=30
                )
                assert answer.status_code == 200, f"{path}: {answer.status_code} after the write on the other server"
                data = answer.json()["data"]
                shown = data if isinstance(data, dict) else next(r for r in data if r["id"] == product.pk)
                assert (shown["name"], Decimal(str(shown["stock_quantity"]))) == ("Farine T65", Decimal("7.5")), path
