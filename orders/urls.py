from orders import views
from stocky.hub import hub_route

urlpatterns = [
    hub_route("products/orders", views.CatalogueOrderViewSet, {"get": "list", "post": "create"}, "catalogue-order-list"),
    hub_route(
        r"products/orders/(?P<pk>[0-9]+)",
        views.CatalogueOrderViewSet,
        {"get": "retrieve", "put": "update", "delete": "destroy"},
        "catalogue-order-detail",
    ),
    hub_route(
        r"products/orders/state/(?P<pk>[0-9]+)",
        views.CatalogueOrderViewSet,
        {"patch": "transition"},
        "catalogue-order-transition",
    ),
]
