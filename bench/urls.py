"""The application's URLconf plus the ceiling views of bench.ceiling under /bench/ceiling/ (bench settings only)."""

from django.urls import path

from bench import ceiling
from stocky import urls as app

urlpatterns = [
    path("bench/ceiling/raw-products", ceiling.raw_products),
    path("bench/ceiling/raw-products/<int:pk>", ceiling.raw_product),
    path("bench/ceiling/raw-product-orders", ceiling.raw_product_orders),
    path("bench/ceiling/products", ceiling.products),
    *app.urlpatterns,
]

handler400, handler403, handler404, handler500 = app.handler400, app.handler403, app.handler404, app.handler500
