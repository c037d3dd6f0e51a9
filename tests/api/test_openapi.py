"""The OpenAPI document is generated from the validating schemas and rendered as a
plain HTML page."""

from __future__ import annotations

import re

from storefront.api.problems import CODES

METHODS = {"get", "post", "put", "patch", "delete"}


def test_openapi_document_describes_every_api_route(app, client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] == "Taawun API"
    documented = {
        (path.replace("{", "<").replace("}", ">"), method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_") and not rule.endpoint.startswith("api_docs."):
            path = rule.rule
            for arg, converter in rule._converters.items():
                path = path.replace(f"<{type(converter).__name__}:{arg}>", f"<{arg}>")
            path = path.replace("<string:", "<").replace("<int:", "<")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed and routed == documented


def test_errors_are_documented_as_problem_details(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    assert set(problem["properties"]["code"]["enum"]) == set(CODES)
    default = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(default) == ["application/problem+json"]
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                assert "default" in operation["responses"]


def test_docs_page_lists_operations_schemas_and_error_codes_without_script(client) -> None:
    response = client.get("/api/v1/docs")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    # server-rendered: the only script is the site's external search-box enhancement
    tags = re.findall(r"<script\b[^>]*>", page)
    assert all("src=" in tag and "search-suggest.js" in tag for tag in tags), tags
    for text in ("GET /api/v1/products", "ProductPage", 'id="problem-rate_limited"', "Bearer"):
        assert text in page
