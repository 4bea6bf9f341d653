"""What every hostile-input test expects: a 4xx in the shared error envelope (JSON, never HTML), and a
database that the refused request left exactly as it was."""

from contextlib import contextmanager

from django.apps import apps

# The apps whose tables the API writes (users, invitations, tokens included).
APPS = ("accounts", "inventory", "orders", "production", "token_blacklist")


def database_state():
    """Every row of every table the API writes, as plain values."""
    state = {}
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


@contextmanager
def unchanged_database():
    """The block's requests change no row."""
    before = database_state()
    yield
    assert database_state() == before, "a refused request changed the database"


def assert_refused(response, status_code=None):
    """The error envelope of SPEC section 0 with a 4xx status (exactly `status_code` when given)."""
    content_type = response.get("Content-Type", "")
    assert content_type.split(";")[0] == "application/json", (
        response.status_code,
        content_type,
        response.content[:300],
    )
    body = response.json()
    assert 400 <= response.status_code < 500, body
    if status_code is not None:
        assert response.status_code == status_code, body
    assert body["success"] is False and body["statusCode"] == response.status_code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["errors"], dict), body
    return body


def raw(client, method, path, body, content_type="application/json"):
    """A request whose body is sent exactly as given (text or bytes), not encoded by the test client."""
    return client.generic(method, path, body, content_type=content_type)
