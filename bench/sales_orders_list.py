"""A page of sales orders (`GET /api/v1/finished-product-orders?page=1&page_size=100`) read through the fast
row plan (stocky.kit.rows, with the orders' lots as a row batch) and through the serializer, in-process: CPU
milliseconds per page and queries per request. Needs a database with the demo (`manage.py seed_demo`):

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/sales_orders_list.py
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocky.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from orders.views import FinishedProductOrderViewSet  # noqa: E402
from stocky.demo import data  # noqa: E402

URL = "/api/v1/finished-product-orders?page=1&page_size=100"
ROUNDS = 30


def main():
    client = APIClient(SERVER_NAME="localhost")
    client.force_authenticate(User.objects.get(email=data.USERS[0].email))
    for fast in (False, True):
        FinishedProductOrderViewSet.fast_reads = fast
        assert client.get(URL).status_code == 200  # warm up
        queries = []

        def count(execute, sql, *args, queries=queries):
            queries.append(sql)
            return execute(sql, *args)

        # A wrapper rather than CaptureQueriesContext: each request starts by clearing the query log.
        with connection.execute_wrapper(count):
            client.get(URL)
        started = time.process_time()
        for _ in range(ROUNDS):
            client.get(URL)
        each = (time.process_time() - started) / ROUNDS * 1000
        path = "row plan" if fast else "serializer"
        print(f"{path:<11} {each:6.1f} ms CPU per page of 100 sales orders, {len(queries)} queries")


if __name__ == "__main__":
    main()
