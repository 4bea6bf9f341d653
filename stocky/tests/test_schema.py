"""The OpenAPI schema at /api/v1/schema/ and the docs page at /api/v1/docs/."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

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
    for path in ("/api/v1/auth/login/", "/api/v1/auth/refresh/", "/api/v1/auth/register/"):
        operation = schema["paths"][path]["post"]
        assert operation["security"] == [{}], path
        assert "403" not in operation["responses"], path
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
        "ordering", "page", "page_size", "search", "unit_of_measure",
    ]
    assert paths["/api/v1/products/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedProductList"
    }


def test_the_checker_refuses_what_the_api_must_not_answer():
    """The conformance tests can fail: a decimal as a string, a field too many or too few, a bad envelope."""
    schema = response_schema("GET", "/api/v1/raw-products/1", 200)
    good = {
        "success": True,
        "message": "Raw product fetched successfully",
        "data": {
            "id": 1, "name": "Flour", "stock_quantity": 12.5, "unit_of_measure": "kg",
            "created_at": "2026-02-26T10:00:00Z", "updated_at": "2026-02-26T10:00:00Z",
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
