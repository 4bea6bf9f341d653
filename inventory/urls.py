from inventory import views
from stocky.api import OptionalSlashRouter
from stocky.hub import hub_route
from stocky.viewsets import pair_routes

router = OptionalSlashRouter()
router.register("raw-products", views.RawProductViewSet, basename="raw-product")
router.register("finished-products", views.FinishedProductViewSet, basename="finished-product")
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("stock-movements", views.StockMovementViewSet, basename="stock-movement")

# Section A (manufacturing API)
urlpatterns = router.urls + pair_routes(
    "supplier-raw-products", views.SupplierRawProductViewSet, basename="supplier-raw-product"
)

# Section B (hub catalogue)
urlpatterns += [
    hub_route("products", views.ProductViewSet, {"get": "list", "post": "create"}, "product-list"),
    hub_route(
        r"products/(?P<pk>[0-9]+)",
        views.ProductViewSet,
        {"get": "retrieve", "put": "update", "delete": "destroy"},
        "product-detail",
    ),
    hub_route(r"products/quantity/(?P<pk>[0-9]+)", views.ProductViewSet, {"patch": "quantity"}, "product-quantity"),
    hub_route("products/categories", views.CategoryViewSet, {"get": "list", "post": "create"}, "category-list"),
    hub_route(r"products/categories/(?P<name>[^/]+)", views.CategoryViewSet, {"delete": "destroy"}, "category-detail"),
]
