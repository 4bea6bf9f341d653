from inventory import views
from stocky.api import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("raw-products", views.RawProductViewSet, basename="raw-product")

urlpatterns = router.urls
