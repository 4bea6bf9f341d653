from orders import views
from stocky.api import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("raw-product-orders", views.RawProductOrderViewSet, basename="raw-product-order")
router.register("finished-product-orders", views.FinishedProductOrderViewSet, basename="finished-product-order")

urlpatterns = router.urls
