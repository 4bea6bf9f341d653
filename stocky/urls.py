from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path, re_path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

import accounts.urls
import inventory.urls
import orders.urls
import production.urls
from stocky import health
from stocky.kit import api, schema, schema_views

API_PREFIX = "/api/v1"

# Every resource of SPEC sections A and B, as the public welcome lists them.
ENDPOINTS = {
    "rawProducts": "raw-products",
    "suppliers": "suppliers",
    "finishedProducts": "finished-products",
    "clients": "clients",
    "supplierRawProducts": "supplier-raw-products",
    "rawProductOrders": "raw-product-orders",
    "recipeItems": "recipe-items",
    "recipeComponents": "recipe-components",
    "productionPlans": "production-plans",
    "finishedProductOrders": "finished-product-orders",
    "stockMovements": "stock-movements",
    "productionRequirements": "production/requirements",
    "auth": "auth",
    "users": "users",
    "products": "products",
    "categories": "products/categories",
    "orders": "products/orders",
}


@extend_schema(responses=schema.WelcomeSerializer, summary="The public index of the API's resources")
@api_view(["GET"])
@authentication_classes([])  # public: a stale token sent along is ignored
@permission_classes([AllowAny])
def welcome(request):
    return Response(
        {
            "message": "Welcome to the Stocky API",
            "description": "Raw materials, recipes, production, finished goods, clients, orders and a "
            "catalogue for small producers. Every endpoint but this one, log-in, refresh, register and "
            "the health check needs a Bearer token.",
            "endpoints": {name: f"{API_PREFIX}/{path_}" for name, path_ in ENDPOINTS.items()},
            # Where a newcomer reads the rest: every operation, its parameters and answers (OpenAPI).
            "docs": f"{API_PREFIX}/docs/",
            "schema": f"{API_PREFIX}/schema/",
        }
    )


def home(request):
    """`/` (and the admin's "View site"): the admin's home for signed-in staff, the log-in page for anyone else."""
    if request.user.is_authenticated and request.user.is_active and request.user.is_staff:
        return redirect("admin:index")
    return redirect(f"{reverse('admin:login')}?next={reverse('admin:index')}")


# One flat list: each nested include("") costs every request that passes it a failed match and its
# bookkeeping (resolving /api/v1/raw-product-orders took 54 us nested, 36 us flat).
api_v1 = [
    path("", welcome, name="api-root"),
    # The OpenAPI schema (YAML, or JSON with ?format=json) and the interactive docs page, both public.
    re_path(r"^schema/?$", schema_views.SchemaView.as_view(), name="schema"),
    re_path(r"^docs/?$", schema_views.DocsView.as_view(url_name="schema"), name="docs"),
    *accounts.urls.urlpatterns,
    *inventory.urls.urlpatterns,
    *orders.urls.urlpatterns,
    *production.urls.urlpatterns,
]

urlpatterns = [
    # Normally answered by stocky.health.HealthCheckMiddleware before host checks; routed here as well.
    re_path(r"^healthz/?$", health.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/", api.api_not_found),
    path("admin/", admin.site.urls),
    path("", home, name="home"),
]
# Uploaded images are served by Django only in development; production serves MEDIA_ROOT (or S3) itself.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = api.handler400
handler403 = api.handler403
handler404 = api.handler404
handler500 = api.handler500
