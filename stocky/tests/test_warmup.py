"""What the application does once when it loads (stocky/warmup.py), instead of on each worker's first request."""

import pytest
from django.urls import get_resolver

from inventory.serializers import RawProductSerializer
from orders.serializers import RawProductOrderSerializer
from stocky.kit import rows
from stocky.warmup import warm_up


@pytest.mark.django_db
def test_warm_up_builds_the_hot_reads_row_plans_without_touching_the_database(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(rows, "_plans", {})
    with django_assert_num_queries(0):
        warm_up()
    assert rows._plans[RawProductSerializer] is not None
    assert rows._plans[RawProductOrderSerializer] is not None
    assert len(rows._plans) >= 10  # every API view's serializer, section A and the hub


def test_warm_up_leaves_the_urlconf_loaded_and_reversible():
    warm_up()
    resolver = get_resolver()
    assert "raw-product-list" in resolver.reverse_dict
    assert resolver.resolve("/api/v1/raw-products").url_name == "raw-product-list"
