"""Helpers for the section A API tests of every app."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_for_one_and_fifty(api, url, make_rows):
    """The number of queries `GET url` makes with 1 row, then with 50 (make_rows(n) adds n rows).

    Measured as production answers a user's second request: the token check remembers the user's row."""
    make_rows(1)
    api.get(url)
    with CaptureQueriesContext(connection) as one:
        first = api.get(url)
    make_rows(49)
    with CaptureQueriesContext(connection) as fifty:
        second = api.get(url)
    assert first.status_code == second.status_code == 200
    assert len(first.json()["data"]) == 1 and len(second.json()["data"]) == 50
    return len(one), len(fifty)


def assert_error(response, status_code, *fields):
    """The response is the error envelope with this status, naming exactly these fields (if given)."""
    assert response.status_code == status_code, response.content
    body = response.json()
    assert body["success"] is False and body["statusCode"] == status_code
    if fields:
        assert set(body["errors"]) == set(fields), body["errors"]
    return body


def admin_pages_render(client, model, obj):
    """The admin's changelist (also searched), add page and change page of `model` all answer 200."""
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    for url in (base, f"{base}?q=a", f"{base}add/", f"{base}{obj.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
    return base


def changelist_queries_for_one_and_fifty(client, model, make_rows):
    """The number of queries the admin changelist of `model` makes with 1 row, then with 50."""
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    make_rows(1)
    client.get(url)  # warm up the session and content-type caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    make_rows(49)
    with CaptureQueriesContext(connection) as fifty:
        assert client.get(url).status_code == 200
    return len(one), len(fifty)
