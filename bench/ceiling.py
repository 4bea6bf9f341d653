"""The ceiling of our stack: the least Django can do to answer each benchmarked request.

Each view returns the same rows as the endpoint it stands for (same columns, same order, the joined
names for orders, the same page and total when paginated), read with `.values()` and encoded with
orjson, without authentication, permissions, serializers or DRF. They run in the same server, with
the same settings and middleware, so that an endpoint's ratio to its ceiling is what our own code
costs. Routed only by bench.urls (the bench settings), never by the application.
"""

import math
from decimal import Decimal

import orjson
from django.db.models import F
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from inventory.models import NUTRIENT_FIELDS, Category, Product, RawProduct
from orders.models import RawProductOrder

RAW_PRODUCT = [
    "id",
    "name",
    "stock_quantity",
    "unit_of_measure",
    "reorder_level",
    "allergens",
    "may_contain",
    "label_name",
    "is_packaging",
    *NUTRIENT_FIELDS,
    "created_at",
    "updated_at",
]


def _raw_product(row):
    """The API's shape: the nutrition figures as one nested object (SPEC E)."""
    row["nutrition"] = {name: row.pop(name) for name in NUTRIENT_FIELDS}
    return row


RAW_PRODUCT_ORDER = [
    "id",
    "raw_product_id",
    "supplier_id",
    "quantity",
    "unit_of_measure",
    "price",
    "ordered_at",
    "expected_delivery_date",
    "status",
    "lot_id",
    "created_at",
    "updated_at",
]
PRODUCT = ["id", "name", "category_id", "quantity", "description", "image", "created_at", "updated_at"]


def _default(value):
    # Quantities and money are JSON numbers, as the API renders them (COERCE_DECIMAL_TO_STRING off).
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError


def _json(body, status=200):
    # OPT_UTC_Z: UTC date-times end in "Z", as the API writes them.
    return HttpResponse(
        orjson.dumps(body, default=_default, option=orjson.OPT_UTC_Z), status=status, content_type="application/json"
    )


def _section_a(rows, message, request, page_of_ids=False, shape=None):
    """Section A's envelope; with `page`, one page of rows and the same meta as the API (a COUNT).

    `page_of_ids`: read the page's ids first, then the joined rows of those ids. A join with ORDER BY id
    LIMIT makes MariaDB start from the other table and sort a temporary table (60-90 ms at 9,600 purchase
    orders, against 0.3 ms for the two queries; PERFORMANCE.md), and a ceiling is the least work possible.
    """
    if "page" not in request.GET:
        data = list(rows) if shape is None else [shape(row) for row in rows]
        return _json({"success": True, "message": message, "data": data})
    page, size = int(request.GET["page"]), int(request.GET.get("page_size", 50))
    total = rows.model.objects.count()
    if page_of_ids:
        ids = list(rows.model.objects.order_by("id").values_list("id", flat=True)[(page - 1) * size : page * size])
        data = list(rows.filter(id__in=ids))
    else:
        data = list(rows[(page - 1) * size : page * size])
    if shape is not None:
        data = [shape(row) for row in data]
    meta = {"page": page, "page_size": size, "total": total, "total_pages": math.ceil(total / size)}
    return _json({"success": True, "message": message, "data": data, "meta": meta})


@csrf_exempt
def raw_products(request):
    if request.method == "POST":
        body = orjson.loads(request.body)
        product = RawProduct.objects.create(
            name=body["name"],
            stock_quantity=Decimal(str(body["stock_quantity"])),
            unit_of_measure=body["unit_of_measure"],
        )
        row = _raw_product({name: getattr(product, name) for name in RAW_PRODUCT})
        return _json({"success": True, "message": "Raw product created successfully", "data": row}, status=201)
    return _section_a(
        RawProduct.objects.order_by("id").values(*RAW_PRODUCT),
        "Raw products fetched successfully",
        request,
        shape=_raw_product,
    )


def raw_product(request, pk):
    row = RawProduct.objects.filter(pk=pk).values(*RAW_PRODUCT).first()
    if row is None:
        return _json({"success": False, "message": "Not found", "statusCode": 404, "errors": {}}, status=404)
    return _json({"success": True, "message": "Raw product fetched successfully", "data": _raw_product(row)})


def raw_product_orders(request):
    rows = RawProductOrder.objects.order_by("id").values(
        *RAW_PRODUCT_ORDER, raw_product_name=F("raw_product__name"), supplier_name=F("supplier__name")
    )
    return _section_a(rows, "Raw product orders fetched successfully", request, page_of_ids=True)


def products(request):
    """A hub products page: `{"products": [...], "totalPages": N}`, newest first, category by name."""
    page, size = int(request.GET.get("page", 1)), int(request.GET.get("pageSize", 10))
    queryset = Product.objects.order_by("-created_at", "-id")
    total = queryset.count()
    rows = list(queryset.values(*PRODUCT)[(page - 1) * size : page * size])
    # Names by a second query on the category ids, as the API does (a join makes MariaDB sort a temporary table).
    names = dict(Category.objects.filter(id__in={row["category_id"] for row in rows}).values_list("id", "name"))
    for row in rows:
        row["category"] = names[row.pop("category_id")]
        image = row.pop("image")
        row["imageUrl"] = request.build_absolute_uri(f"/media/{image}") if image else None
        row["createdAt"], row["updatedAt"] = row.pop("created_at"), row.pop("updated_at")
    return _json({"products": rows, "totalPages": math.ceil(total / size)})
