"""The OpenAPI schema at /api/v1/schema/ and the docs page at /api/v1/docs/."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.views import APIView

from inventory.serializers import RawProductSerializer
from production.models import ProductionPlan
from production.serializers import ProductionPlanSerializer
from stocky.kit.api import OptionalSlashRouter
from stocky.kit.viewsets import ManufacturingViewSet
from stocky.tests.openapi import openapi_schema, response_schema, validate_body

pytestmark = pytest.mark.django_db


def test_the_schema_generates_valid_with_no_warning(tmp_path):
    GENERATOR_STATS.reset()  # warnings are counted per process; count only this generation's
    target = tmp_path / "schema.yaml"
    # Raises (SchemaGenerationError, SchemaValidationError) on any warning, error or invalid document.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.0.3")


def test_the_schema_is_public_json_and_ignores_a_stale_token(anon):
    response = anon.get("/api/v1/schema/?format=json", HTTP_AUTHORIZATION="Bearer expired.or.forged")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    assert schema["openapi"] == "3.0.3" and schema["info"]["title"] == "Stocky API"
    assert anon.get("/api/v1/schema").status_code == 200, "YAML by default, with or without the slash"


def test_bearer_auth_is_described_and_public_endpoints_need_none():
    schema = openapi_schema()
    bearer = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schema["components"]["securitySchemes"]["jwtAuth"] == bearer
    assert schema["paths"]["/api/v1/raw-products/"]["get"]["security"] == [{"jwtAuth": []}]
    for public in ("/api/v1/auth/login/", "/api/v1/auth/refresh/", "/api/v1/auth/register/"):
        operation = schema["paths"][public]["post"]
        assert operation["security"] == [{}], public
        assert "403" not in operation["responses"], public
    assert schema["paths"]["/api/v1/"]["get"]["security"] == [{}]


def test_decimals_are_numbers_and_envelopes_are_described():
    schemas = openapi_schema()["components"]["schemas"]
    assert schemas["RawProduct"]["properties"]["stock_quantity"]["type"] == "number"
    assert schemas["SupplierRawProduct"]["properties"]["unit_price"]["type"] == "number"
    assert schemas["Product"]["properties"]["quantity"]["type"] == "number"
    envelope = schemas["RawProductListEnvelope"]
    assert envelope["required"] == ["success", "message", "data"]
    assert envelope["properties"]["meta"] == {"$ref": "#/components/schemas/PageMeta"}
    assert set(schemas["Error"]["required"]) == {"success", "message", "statusCode", "errors"}
    paths = openapi_schema()["paths"]
    assert paths["/api/v1/raw-products/{id}/"]["delete"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/EmptyEnvelope"}
    assert [p["name"] for p in paths["/api/v1/raw-products/"]["get"]["parameters"]] == [
        "below_reorder_level",
        "ordering",
        "page",
        "page_size",
        "search",
        "unit_of_measure",
        "If-None-Match",
    ]
    # Every read answers with an ETag and a 304 to If-None-Match (stocky.kit.readcache).
    read = paths["/api/v1/raw-products/{id}/"]["get"]["responses"]
    assert "ETag" in read["200"]["headers"] and "ETag" in read["304"]["headers"] and "content" not in read["304"]
    assert paths["/api/v1/products/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedProductList"
    }


def test_a_503_with_retry_after_is_described_wherever_the_database_is_reached():
    """stocky.kit.api answers a lost database, a lock wait timeout or a deadlock with a 503 and Retry-After,
    on reads as on writes: the schema says so on every operation that reaches the database."""
    schema = openapi_schema()
    unavailable = schema["components"]["responses"]["ServiceUnavailable"]
    assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert unavailable["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 0}
    assert "Retry-After" in schema["components"]["responses"]["TooManyRequests"]["headers"]
    paths = schema["paths"]
    operations = [
        ("post", "/api/v1/raw-products/"),
        ("patch", "/api/v1/raw-products/{id}/"),
        ("delete", "/api/v1/raw-products/{id}/"),
        ("get", "/api/v1/raw-products/"),
        ("get", "/api/v1/raw-products/{id}/"),
        ("post", "/api/v1/auth/login/"),
        ("post", "/api/v1/auth/register/"),
    ]
    for method, path_ in operations:
        assert paths[path_][method]["responses"]["503"] == {"$ref": "#/components/responses/ServiceUnavailable"}
    without = [
        (method, path_) for path_, item in paths.items() for method, op in item.items() if "503" not in op["responses"]
    ]
    assert without == [("get", "/api/v1/")], "only the welcome page answers without the database"


def test_stock_and_production_requests_are_described():
    """What the conformance tests (answers only) cannot see: parameters and request bodies."""
    paths = openapi_schema()["paths"]

    def parameters(path_, method):
        return {p["name"]: (p["in"], p.get("required", False), p["schema"]) for p in paths[path_][method]["parameters"]}

    date = {"type": "string", "format": "date"}
    assert parameters("/api/v1/production/requirements/", "get") == {
        "from": ("query", True, date),
        "to": ("query", True, date),
    }
    # A product's conversions are one short list: no pages, on reading or replacing.
    assert set(parameters("/api/v1/raw-products/{id}/conversions/", "get")) == {"id", "If-None-Match"}
    assert set(parameters("/api/v1/raw-products/{id}/conversions/", "put")) == {"id"}
    put = paths["/api/v1/raw-products/{id}/conversions/"]["put"]["requestBody"]
    assert put["content"]["application/json"]["schema"]["type"] == "array" and put["required"]
    plan = "/api/v1/production-plans/{id}"
    assert "requestBody" not in paths[f"{plan}/start/"]["post"]
    assert "requestBody" not in paths[f"{plan}/cancel/"]["post"]
    complete = paths[f"{plan}/complete/"]["post"]["requestBody"]
    assert not complete.get("required"), "the body of /complete is optional"
    schemas = openapi_schema()["components"]["schemas"]
    enums = "#/components/schemas/"
    assert schemas["ProductionPlan"]["properties"]["status"]["allOf"] == [{"$ref": f"{enums}ProductionPlanStatusEnum"}]
    assert schemas["RawProductOrder"]["properties"]["status"] == {"$ref": f"{enums}OrderStatusEnum"}


def test_the_checker_refuses_what_the_api_must_not_answer():
    """The conformance tests can fail: a decimal as a string, a field too many or too few, a bad envelope."""
    schema = response_schema("GET", "/api/v1/raw-products/1", 200)
    good = {
        "success": True,
        "message": "Raw product fetched successfully",
        "data": {
            "id": 1,
            "name": "Flour",
            "stock_quantity": 12.5,
            "unit_of_measure": "kg",
            "created_at": "2026-02-26T10:00:00Z",
            "updated_at": "2026-02-26T10:00:00Z",
        },
    }
    validate_body(good, schema)
    bad_bodies = [
        {**good, "data": {**good["data"], "stock_quantity": "12.50"}},
        {**good, "data": {**good["data"], "surprise": 1}},
        {**good, "data": {key: value for key, value in good["data"].items() if key != "name"}},
        {**good, "success": False},
        {key: value for key, value in good.items() if key != "message"},
    ]
    for body in bad_bodies:
        with pytest.raises(AssertionError):
            validate_body(body, schema)
    with pytest.raises(AssertionError, match="does not document the status 418"):
        response_schema("GET", "/api/v1/raw-products/1", 418)


def test_the_docs_page_is_public_and_loads_only_our_own_assets(anon):
    response = anon.get("/api/v1/docs/", HTTP_AUTHORIZATION="Bearer stale")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls, "the page names its scripts and styles"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"external asset: {url}"
    assert not re.search(r"https?://", html.replace("http://testserver", "")), "no other host named in the page"
    # Every asset is served by us (WhiteNoise from the sidecar package's static files).
    for url in urls:
        asset = anon.get(url)
        assert asset.status_code == 200, url
    # The page asks for the schema at our own path, and never calls the public online validator.
    assert '"validatorUrl": null' in html
    assert 'url: "/api/v1/schema"' in html


# --- How a new endpoint is described (docs/development.md) -------------------------------------------


class _CostSerializer(serializers.Serializer):
    finished_product_id = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2)


class _PlanViewSet(ManufacturingViewSet):
    entity, entity_plural = "Production plan", "Production plans"
    queryset = ProductionPlan.objects.all()
    serializer_class = ProductionPlanSerializer

    @extend_schema(request=None)  # no body; answers the plan, in the envelope
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        raise NotImplementedError

    @extend_schema(responses=RawProductSerializer(many=True))  # a list: the list envelope, page parameters
    @action(detail=True, methods=["get"])
    def materials(self, request, pk=None):
        raise NotImplementedError


class _RequirementsView(APIView):
    success_envelope = True  # answers with stocky.kit.viewsets.envelope, though not a ManufacturingViewSet

    @extend_schema(responses=_CostSerializer, parameters=[OpenApiParameter("until", OpenApiTypes.DATE)])
    def get(self, request):
        raise NotImplementedError


def test_a_new_section_a_endpoint_gets_its_envelope_from_a_small_annotation():
    router = OptionalSlashRouter()
    router.register("plans", _PlanViewSet, basename="plan")
    patterns = [*router.urls, path("requirements", _RequirementsView.as_view())]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    paths = schema["paths"]

    def body(path_, method, status="200"):
        return paths[path_][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"]

    complete = paths["/plans/{id}/complete/"]["post"]
    assert "requestBody" not in complete
    assert body("/plans/{id}/complete/", "post") == "#/components/schemas/ProductionPlanEnvelope"
    assert {"401", "403", "404", "409"} <= set(complete["responses"])
    assert body("/plans/{id}/materials/", "get") == "#/components/schemas/RawProductListEnvelope"
    assert [p["name"] for p in paths["/plans/{id}/materials/"]["get"]["parameters"]] == [
        "id",
        "page",
        "page_size",
        "If-None-Match",
    ]
    assert body("/requirements", "get") == "#/components/schemas/_CostEnvelope"
    assert "400" in paths["/requirements"]["get"]["responses"], "a query parameter can be refused"
    assert schema["components"]["schemas"]["_Cost"]["properties"]["unit_cost"]["type"] == "number"


def test_errors_of_the_schema_and_docs_views_are_json(anon):
    responses = [anon.post("/api/v1/schema/"), anon.delete("/api/v1/docs/"), anon.get("/api/v1/schema/?format=xml")]
    for response in responses:
        assert response.status_code in (404, 405)
        assert response["Content-Type"] == "application/json"
        assert response.json()["success"] is False


def test_the_schema_is_generated_once_per_process(anon, monkeypatch):
    first = anon.get("/api/v1/schema/?format=json").content
    # Any further generation would fail: the answer must come from what was generated already.
    monkeypatch.setattr("drf_spectacular.generators.SchemaGenerator.get_schema", lambda *a, **k: 1 / 0)
    assert anon.get("/api/v1/schema/?format=json").content == first


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route, pattern.callback


def test_every_route_of_the_api_is_in_the_schema():
    """A route that drf-spectacular cannot see (a plain Django view), or one it leaves out, would be missing."""
    from django.urls import get_resolver
    from drf_spectacular.generators import EndpointEnumerator

    routes = [(route, callback) for route, callback in _routes(get_resolver().url_patterns) if "api/v1/" in route]
    assert len(routes) > 40
    for route, callback in routes:
        assert getattr(callback, "cls", None) is not None, f"{route} is not a DRF view: the schema cannot see it"

    def shape(path_):  # the schema names path parameters after the model field ({pk} -> {id})
        return re.sub(r"{[^}]+}", "{}", path_)

    served = {
        (shape(path_), method.lower())
        for path_, _regex, method, callback in EndpointEnumerator().get_api_endpoints()
        if callback.cls.__name__ not in ("SchemaView", "DocsView")
    }
    paths = openapi_schema()["paths"]
    described = {(shape(path_), method) for path_, operations in paths.items() for method in operations}
    assert served == described
