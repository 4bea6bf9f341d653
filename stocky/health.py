"""GET /healthz: is this app server up, and does its database answer? For load balancers and Docker."""

import copy
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.utils import load_backend
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from stocky.kit.api import error_body, retry_after

logger = logging.getLogger("stocky.health")

HEALTH_PATHS = ("/healthz", "/healthz/")


def _ask_the_database():
    """SELECT 1 on a connection of its own, with timeouts of HEALTH_DB_TIMEOUT seconds.

    Not the worker's own connection: that one waits up to DB_READ_TIMEOUT for a frozen server (longer than
    the probe waits), and a probe must neither break it nor be slowed by it.
    """
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    if settings_dict["ENGINE"] == "django.db.backends.mysql":
        timeout = settings.HEALTH_DB_TIMEOUT
        settings_dict["OPTIONS"].update(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
    probe = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="healthz")
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        probe.close()


@never_cache
def healthz(request):
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(error_body(405, f'Method "{request.method}" not allowed.'), status=405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        _ask_the_database()
    except DatabaseError as exc:
        # The reason goes to the log, not to the public answer.
        logger.warning("Health check failed: the database did not answer: %s", exc)
        body = error_body(503, "The database is unavailable", {"database": ["The database did not answer"]})
        return JsonResponse(body, status=503, headers=retry_after())
    return JsonResponse({"status": "ok", "database": "ok"})


class HealthCheckMiddleware:
    """Answers /healthz ahead of every other middleware.

    Load balancers and container health checks probe by IP address (a Host header that ALLOWED_HOSTS
    rejects with a 400) and over plain HTTP (which the HTTPS redirect would answer with a 301). The
    answer builds no URL from the Host header and sets no cookie, so neither check protects anything
    here; skipping the rest of the stack also keeps the probe cheap (no session, no user lookup).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in HEALTH_PATHS:
            return healthz(request)
        return self.get_response(request)
