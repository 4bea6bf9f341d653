"""GET /healthz: is this app server up, and does its database answer? For load balancers and Docker."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from stocky.kit.api import error_body

logger = logging.getLogger("stocky.health")

HEALTH_PATHS = ("/healthz", "/healthz/")


@never_cache
def healthz(request):
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(error_body(405, f'Method "{request.method}" not allowed.'), status=405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The reason goes to the log, not to the public answer.
        logger.warning("Health check failed: the database did not answer: %s", exc)
        body = error_body(503, "The database is unavailable", {"database": ["The database did not answer"]})
        return JsonResponse(body, status=503)
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
