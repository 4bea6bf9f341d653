"""Generated requests against every operation of the OpenAPI schema (schemathesis, in-process over WSGI).

Signed in as an Admin, schemathesis sends valid and invalid requests built from the schema to each
operation and checks every answer: never a 5xx, and status, content type, headers and body as the schema
says. The number of examples per operation is bounded so that the whole run stays under a minute.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from accounts.models import Role
from inventory.tests.factories import (
    FinishedProductFactory,
    SupplierRawProductFactory,
    make_product,
)
from orders.tests.factories import (
    ClientFactory,
    FinishedProductOrderFactory,
    RawProductOrderFactory,
)
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory
from stocky.tests.openapi import openapi_schema


@pytest.fixture
def keep_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection after each one; the
    test's transaction (and its data) lives on that connection. Django's test client does the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def records(db, keep_test_connection, settings, tmp_path):
    settings.ALLOWED_HOSTS = ["localhost"]  # the Host header of schemathesis's WSGI client
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # throttling counts
    # A few records of every kind, so that some generated ids name real rows.
    price = SupplierRawProductFactory()
    finished = FinishedProductFactory()
    RecipeItemFactory(finished_product=finished, raw_product=price.raw_product)
    RawProductOrderFactory(raw_product=price.raw_product, supplier=price.supplier)
    FinishedProductOrderFactory(finished_product=finished, client=ClientFactory())
    ProductionPlanFactory(
        finished_product=finished,
        planned_quantity=1,
        unit_of_measure="piece",
        planned_production_date="2026-03-05T10:00:00Z",
        planned_duration=1,
        hourly_rate=10,
    )
    make_product("iPhone 12", quantity=10)
    yield
    cache.clear()


@pytest.fixture
def admin_headers(make_user):
    return {"Authorization": f"Bearer {AccessToken.for_user(make_user(Role.ADMIN))}"}


# The document /api/v1/schema/ serves (tested in test_schema.py), generated here at collection, when no
# request can be made yet; the requests go to the Django WSGI application in-process.
schema = schemathesis.openapi.from_dict(openapi_schema())
schema.app = get_wsgi_application()
# Bounded for time (about 3,500 requests in all). The coverage phase sends its systematic invalid inputs
# (missing fields, wrong types, out-of-range values, unexpected methods) to every operation; its valid
# boundary values would double the run, and the fuzzing phase already sends valid requests.
schema.config.phases.coverage.generation.modes = [GenerationMode.NEGATIVE]
MAX_EXAMPLES = 5  # per operation, in the fuzzing phase (valid and invalid)


@schema.parametrize()
# The same examples every run (no flaky CI), and no example database written into the work tree.
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)
def test_every_operation_answers_as_the_schema_says(case, admin_headers):
    # Every check but two about input: DRF reads a number sent for a text field as text (lenient on
    # purpose), and many schema-valid bodies break a rule the schema cannot state (an unknown id, a role).
    case.call_and_validate(headers=admin_headers, excluded_checks=[positive_data_acceptance, negative_data_rejection])
