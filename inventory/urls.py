from inventory import views
from inventory.catalogue import views as catalogue_views
from inventory.lots import views as lot_views
from stocky.kit.api import OptionalSlashRouter
from stocky.kit.hub import hub_route
from stocky.kit.viewsets import pair_routes

router = OptionalSlashRouter()
router.register("raw-products", views.RawProductViewSet, basename="raw-product")
router.register("finished-products", views.FinishedProductViewSet, basename="finished-product")
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("stock-movements", views.StockMovementViewSet, basename="stock-movement")
router.register("lots", lot_views.LotViewSet, basename="lot")

# Section A (manufacturing API)
urlpatterns = router.urls + pair_routes(
    "supplier-raw-products", views.SupplierRawProductViewSet, basename="supplier-raw-product"
)

# Section B (hub catalogue)
urlpatterns += [
    hub_route("products", catalogue_views.ProductViewSet, {"get": "list", "post": "create"}, "product-list"),
    hub_route(
        r"products/(?P<pk>[0-9]+)",
        catalogue_views.ProductViewSet,
        {"get": "retrieve", "put": "update", "delete": "destroy"},
        "product-detail",
    ),
    hub_route(
        r"products/quantity/(?P<pk>[0-9]+)", catalogue_views.ProductViewSet, {"patch": "quantity"}, "product-quantity"
    ),
    hub_route(
        "products/categories", catalogue_views.CategoryViewSet, {"get": "list", "post": "create"}, "category-list"
    ),
    hub_route(
        r"products/categories/(?P<name>[^/]+)",
        catalogue_views.CategoryViewSet,
        {"delete": "destroy"},
        "category-detail",
    ),
]
