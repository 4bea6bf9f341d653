"""Check real API responses against the OpenAPI schema: `assert_matches_schema(response)` in any test.

The schema is generated once per test process, as /api/v1/schema/ serves it. A response is looked up by
its request's method and path (matched against the schema's path templates, with or without the trailing
slash) and its status, and its body is validated with `jsonschema`, every `$ref` resolved.

The check is stricter than the published schema: every object that lists its properties is closed
(`additionalProperties: false`), so a field that the API returns and the schema does not describe fails,
as does a missing required field, a wrong type (a decimal sent as a string) or an undocumented status.
"""

import json
import re
from functools import lru_cache

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

BASE = "urn:stocky-openapi"


@lru_cache(maxsize=1)
def openapi_schema():
    """The schema as a client downloads it (a JSON document)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def to_json_schema(node, strict=True):
    """OpenAPI 3.0's schema dialect as JSON Schema draft 4: `nullable` becomes a null type, references point
    into the registered document, and (strict) objects with listed properties admit no others."""
    if isinstance(node, list):
        return [to_json_schema(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema(value, strict) for key, value in node.items() if key != "nullable"}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("#"):
        out["$ref"] = BASE + out["$ref"]
    if strict and "properties" in out and "additionalProperties" not in out and "$ref" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "type" not in out and "enum" not in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@lru_cache(maxsize=2)
def _registry(strict):
    document = to_json_schema(openapi_schema(), strict)
    return document, Registry().with_resource(BASE, Resource.from_contents(document, default_specification=DRAFT4))


@lru_cache(maxsize=1)
def _path_templates():
    """(regex, template) for every path of the schema, literal paths first (`/products/categories` before
    `/products/{id}`); a `{name}` matches one path segment, only digits where the parameter is an integer."""
    templates = []
    for template, operations in openapi_schema()["paths"].items():
        types = {
            parameter["name"]: parameter["schema"].get("type")
            for operation in operations.values()
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "path"
        }
        pattern = re.escape(template.rstrip("/"))
        for name, kind in types.items():
            pattern = pattern.replace(re.escape(f"{{{name}}}"), "[0-9]+" if kind == "integer" else "[^/]+")
        templates.append((template.count("{"), re.compile(f"^{pattern}/?$"), template))
    return [(regex, template) for _, regex, template in sorted(templates, key=lambda entry: entry[0])]


def operation_for(method, path):
    """The schema's operation for `METHOD path`, or an AssertionError naming what is missing."""
    for regex, template in _path_templates():
        if regex.match(path):
            operations = openapi_schema()["paths"][template]
            assert method.lower() in operations, f"{method} {template} is not in the schema"
            return template, operations[method.lower()]
    raise AssertionError(f"No path of the schema matches {path}")


def response_schema(method, path, status_code, content_type="application/json", strict=True):
    """The JSON schema of the body of `METHOD path` answering `status_code` (None when it has no body)."""
    template, _ = operation_for(method, path)
    document, _ = _registry(strict)
    responses = document["paths"][template][method.lower()]["responses"]
    response = responses.get(str(status_code)) or responses.get("default")
    assert response is not None, f"{method} {template} does not document the status {status_code}"
    while "$ref" in response:  # a shared response such as #/components/responses/NotFound
        name = response["$ref"].rsplit("/", 1)[-1]
        response = document["components"]["responses"][name]
    content = response.get("content")
    if not content:
        return None
    assert content_type in content, f"{method} {template} {status_code} does not document {content_type}"
    return content[content_type]["schema"]


def validate_body(body, schema, strict=True):
    """Raise jsonschema.ValidationError unless `body` (decoded JSON) matches `schema` (converted)."""
    _, registry = _registry(strict)
    validator = Draft4Validator(schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))
    if errors:
        details = "\n".join(f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10])
        raise AssertionError(f"The body does not match the schema:\n{details}\nBody: {json.dumps(body)[:2000]}")


def assert_matches_schema(response, strict=True):
    """Validate a test client's response against the schema of its request's method, path and status.

    Returns the decoded body (None when there is none) so that a test can go on asserting on it.
    """
    method = response.request["REQUEST_METHOD"]
    path = response.request["PATH_INFO"]
    schema = response_schema(method, path, response.status_code, strict=strict)
    if schema is None:
        assert not response.content, f"{method} {path} {response.status_code}: no body documented, got one"
        return None
    assert response["Content-Type"].split(";")[0] == "application/json", response["Content-Type"]
    body = response.json()
    validate_body(body, schema, strict)
    return body
