from orders import views
from orders.catalogue import views as catalogue_views
from stocky.kit.api import OptionalSlashRouter
from stocky.kit.hub import hub_route

router = OptionalSlashRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("raw-product-orders", views.RawProductOrderViewSet, basename="raw-product-order")
router.register("finished-product-orders", views.FinishedProductOrderViewSet, basename="finished-product-order")

# Section A (manufacturing API)
urlpatterns = router.urls

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
