from inventory import views
from stocky.api import OptionalSlashRouter
from stocky.viewsets import pair_routes

router = OptionalSlashRouter()
router.register("raw-products", views.RawProductViewSet, basename="raw-product")
router.register("finished-products", views.FinishedProductViewSet, basename="finished-product")
router.register("suppliers", views.SupplierViewSet, basename="supplier")

urlpatterns = router.urls + pair_routes(
    "supplier-raw-products", views.SupplierRawProductViewSet, basename="supplier-raw-product"
)
