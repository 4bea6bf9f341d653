from django.urls import re_path

from orders import lot_views, views
from orders.catalogue import views as catalogue_views
from stocky.kit.api import OptionalSlashRouter
from stocky.kit.hub import hub_route

router = OptionalSlashRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("raw-product-orders", views.RawProductOrderViewSet, basename="raw-product-order")
router.register("finished-product-orders", views.FinishedProductOrderViewSet, basename="finished-product-order")

# Section A (manufacturing API)
urlpatterns = router.urls

# Section D (lots): the trace and the recall name the clients a lot reached (the rest is in inventory)
urlpatterns += [
    re_path(r"^lots/(?P<pk>[0-9]+)/trace/?$", lot_views.LotTraceView.as_view(), name="lot-trace"),
    re_path(r"^lots/(?P<pk>[0-9]+)/recall/?$", lot_views.LotRecallView.as_view(), name="lot-recall"),
]

# Section B (hub orders)
urlpatterns += [
    hub_route(
        "products/orders",
        catalogue_views.CatalogueOrderViewSet,
        {"get": "list", "post": "create"},
        "catalogue-order-list",
    ),
    hub_route(
        r"products/orders/(?P<pk>[0-9]+)",
        catalogue_views.CatalogueOrderViewSet,
        {"get": "retrieve", "put": "update", "delete": "destroy"},
        "catalogue-order-detail",
    ),
    hub_route(
        r"products/orders/state/(?P<pk>[0-9]+)",
        catalogue_views.CatalogueOrderViewSet,
        {"patch": "transition"},
        "catalogue-order-transition",
    ),
]
