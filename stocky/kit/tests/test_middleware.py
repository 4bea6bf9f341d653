"""Session, CSRF, user and messages middleware do nothing on API paths, and all their work elsewhere."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from stocky.kit.middleware import (
    BrowserAuthenticationMiddleware,
    BrowserMessageMiddleware,
    BrowserSessionMiddleware,
)


def seen(middleware, path):
    """What the view behind `middleware` finds on the request."""
    found = {}

    def view(request):
        found.update(
            session=hasattr(request, "session") and request.session != {},
            user=hasattr(request, "user"),
            messages=hasattr(request, "_messages"),
        )
        return HttpResponse("ok")

    request = RequestFactory().get(path)
    if middleware is not BrowserSessionMiddleware:
        request.session = {}  # what users and messages need; the session middleware's job
    middleware(view)(request)
    return found


@pytest.mark.parametrize(
    "middleware, attribute",
    [
        (BrowserSessionMiddleware, "session"),
        (BrowserAuthenticationMiddleware, "user"),
        (BrowserMessageMiddleware, "messages"),
    ],
)
def test_browser_middleware_skips_api_paths_only(middleware, attribute):
    assert seen(middleware, "/api/v1/raw-products")[attribute] is False
    assert seen(middleware, "/admin/")[attribute] is True


@pytest.mark.django_db
def test_the_admin_still_sets_and_checks_its_csrf_token_and_api_answers_set_no_cookie(api, admin_client_for):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/admin/login/")
    assert page.status_code == 200 and "csrftoken" in page.cookies
    refused = browser.post("/admin/login/", {"username": "x", "password": "y"})
    assert refused.status_code == 403, "no CSRF token: refused"
    token = page.cookies["csrftoken"].value
    answered = browser.post("/admin/login/", {"username": "x", "password": "y", "csrfmiddlewaretoken": token})
    assert answered.status_code == 200, "with the token: the form answers (wrong password)"

    response = api.post("/api/v1/raw-products", {"name": "Flour", "stock_quantity": 1, "unit_of_measure": "kg"})
    assert response.status_code == 201 and not response.cookies
    assert "Cookie" not in response.get("Vary", "")

    admin = admin_client_for()
    assert admin.get("/admin/inventory/rawproduct/").status_code == 200, "sessions and users in the admin"
