"""bench/reads.py's in-process part on a tiny dataset, so that it cannot silently rot (no timings asserted)."""

import json

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from bench import dataset
from bench.reads import in_process_costs

pytestmark = pytest.mark.django_db


def test_the_reads_bench_renders_and_serves_the_same_answer_and_fetches_it_from_every_store(settings):
    from accounts.models import User

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    loaded = dataset.load(scale=0.05)
    token = str(AccessToken.for_user(User.objects.get(email=loaded.admin_email)))
    costs = in_process_costs("/api/v1/raw-product-orders", token, rounds=2)
    assert costs["body_bytes"] > 100 and costs["rendered_us"] > 0 and costs["cached_us"] > 0
    assert len(costs["fetch_us"]) == 3 and all(us > 0 for us in costs["fetch_us"].values())
    json.dumps(costs)  # written into the run's JSON as it is
