from django.urls import re_path

from production import views
from stocky.kit.api import OptionalSlashRouter
from stocky.kit.viewsets import pair_routes

router = OptionalSlashRouter()
router.register("production-plans", views.ProductionPlanViewSet, basename="production-plan")

recipe_of_product = views.RecipeItemViewSet.as_view({"get": "for_product"})
components_of_product = views.RecipeComponentViewSet.as_view({"get": "for_product"})

urlpatterns = [
    re_path(r"^recipe-items/product/(?P<finished_product_id>[0-9]+)/?$", recipe_of_product, name="recipe-of-product"),
    # Served here, with recipe items, rather than by the finished products' viewset in inventory.
    re_path(
        r"^finished-products/(?P<finished_product_id>[0-9]+)/recipe/?$",
        recipe_of_product,
        name="finished-product-recipe",
    ),
    re_path(
        r"^recipe-components/product/(?P<finished_product_id>[0-9]+)/?$",
        components_of_product,
        name="components-of-product",
    ),
    re_path(
        r"^finished-products/(?P<finished_product_id>[0-9]+)/components/?$",
        components_of_product,
        name="finished-product-components",
    ),
    re_path(
        r"^finished-products/(?P<finished_product_id>[0-9]+)/cost/?$",
        views.FinishedProductCostView.as_view(),
        name="finished-product-cost",
    ),
    re_path(
        r"^finished-products/(?P<finished_product_id>[0-9]+)/declaration/?$",
        views.FinishedProductDeclarationView.as_view(),
        name="finished-product-declaration",
    ),
    re_path(
        r"^finished-products/(?P<finished_product_id>[0-9]+)/declaration/acknowledge/?$",
        views.FinishedProductDeclarationAcknowledgeView.as_view(),
        name="finished-product-declaration-acknowledge",
    ),
    # A finished lot's label (SPEC E): production keeps the declaration with the lot it makes.
    re_path(r"^lots/(?P<pk>[0-9]+)/label/?$", views.LotLabelView.as_view(), name="lot-label"),
    re_path(r"^production/requirements/?$", views.RequirementsView.as_view(), name="production-requirements"),
    re_path(
        r"^production/requirements/orders/?$",
        views.RequirementsOrdersView.as_view(),
        name="production-requirements-orders",
    ),
    re_path(
        r"^production/requirements/plans/?$",
        views.RequirementsPlansView.as_view(),
        name="production-requirements-plans",
    ),
    *pair_routes("recipe-items", views.RecipeItemViewSet, basename="recipe-item"),
    *pair_routes("recipe-components", views.RecipeComponentViewSet, basename="recipe-component"),
    *router.urls,
]
