"""The route table, the OpenAPI document, the docs page and the health probes.

Deny by default: every route not listed as public here must refuse an anonymous caller, so a
new route without a guard fails this suite until someone decides it is public.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from dependency_injector import providers
from http_support import Api, AppFactory, Session, assert_problem
from litestar.routes import HTTPRoute

from bookstore.application.ports import StorageUnavailable

PUBLIC_ROUTES = {
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/refresh"),
    ("GET", "/api/books"),
    ("GET", "/api/books/{book_id:int}"),
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("POST", "/api/payments/webhook"),  # signed by the provider (`Bookstore-Signature`)
    ("GET", "/api/books/{book_id:int}/reviews"),
    ("GET", "/api/books/{book_id:int}/also-bought"),
}
ADMIN_ONLY = re.compile(r"^(\w+ /api/admin/|(POST|PATCH|DELETE) /api/books(/\{book_id:int\})?$)")
_SAMPLE_PARAMS = {"int": "1", "uuid": str(uuid.uuid4()), "str": "x", "path": "x"}


def api_routes(api: Api) -> Iterator[tuple[str, str]]:
    """(method, path) of every route of the API, the docs and static files aside."""
    for route in api.client.app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/schema"):
            continue
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            yield method, route.path


def concrete(path: str) -> str:
    return re.sub(r"\{\w+:(\w+)\}", lambda m: _SAMPLE_PARAMS[m.group(1)], path)


def test_the_public_routes_all_exist(api: Api) -> None:
    assert set(api_routes(api)) >= PUBLIC_ROUTES


def test_every_other_route_refuses_anonymous_callers(api: Api) -> None:
    protected = sorted(set(api_routes(api)) - PUBLIC_ROUTES)
    assert len(protected) >= 15

    for method, path in protected:
        response = api.client.request(method, concrete(path), json={})
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer", (method, path)


def test_admin_routes_and_book_writes_refuse_customers(api: Api, customer: Session) -> None:
    admin_only = [r for r in api_routes(api) if ADMIN_ONLY.match(f"{r[0]} {r[1]}")]
    assert (
        len(admin_only) == 27
    )  # 14, 5 coupon routes (§13), 7 webhook routes (§14), 1 review (§15)

    for method, path in admin_only:
        response = api.client.request(method, concrete(path), json={}, headers=customer.headers)
        assert_problem(response, 403, "forbidden")


def test_the_openapi_document_lists_every_route(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()

    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    expected = {(m, re.sub(r"\{(\w+):\w+\}", r"{\1}", p)) for m, p in api_routes(api)}
    assert document["openapi"].startswith("3.1")
    assert documented == expected


READABLE_OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)*$")
"""A verb and its object in camelCase (`listBooks`, `placeOrder`): a generated client's
function name. Litestar's default (`ApiBooksBookIdOne`) echoes the path and handler instead."""


def test_every_operation_has_a_unique_readable_operation_id(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()

    operation_ids = [
        operation.get("operationId", "")
        for item in document["paths"].values()
        for operation in item.values()
    ]

    assert len(set(operation_ids)) == len(operation_ids)
    unreadable = [o for o in operation_ids if not READABLE_OPERATION_ID.match(o)]
    assert not unreadable
    assert {"listBooks", "getBook", "placeOrder", "logIn", "logInWithForm"} <= set(operation_ids)


def test_public_routes_have_no_security_and_the_others_need_a_bearer_token(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()
    public = {(m, re.sub(r"\{(\w+):\w+\}", r"{\1}", p)) for m, p in PUBLIC_ROUTES}

    assert "security" not in document
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) in public:
                assert not operation.get("security"), (method, path)
            else:
                assert {"BearerAuth": []} in operation["security"], (method, path)
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerAuth"]["scheme"] == "bearer"
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == "/api/auth/token"


def test_every_error_response_is_documented_as_a_problem(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()

    for path, item in document["paths"].items():
        for method, operation in item.items():
            errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
            if method != "get" or "{" in path or path in {"/api/books", "/api/orders"}:
                assert errors, (method, path)
            for status, response in errors.items():
                assert list(response["content"]) == ["application/problem+json"], (path, status)
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])


def test_protected_routes_document_401_and_admin_routes_403(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()
    public = {(m, re.sub(r"\{(\w+):\w+\}", r"{\1}", p)) for m, p in PUBLIC_ROUTES}

    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) not in public:
                assert "401" in operation["responses"], (method, path)
            if ADMIN_ONLY.match(f"{method.upper()} {path}"):
                assert "403" in operation["responses"], (method, path)


def test_log_in_documents_json_and_the_token_route_the_oauth2_form(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]

    login = paths["/api/auth/login"]["post"]["requestBody"]["content"]
    token = paths["/api/auth/token"]["post"]["requestBody"]["content"]

    assert set(login) == {"application/json"}
    assert set(token) == {"application/x-www-form-urlencoded"}
    form = schemas[token["application/x-www-form-urlencoded"]["schema"]["$ref"].split("/")[-1]]
    assert set(form["required"]) == {"username", "password"}


def test_the_docs_page_loads_its_assets_from_the_app_itself(api: Api) -> None:
    page = api.client.get("/schema")

    assert page.status_code == 200
    assets = re.findall(r"(?:src|href)=[\"']([^\"']+)[\"']", page.text)
    assert assets
    assert all(url.startswith("/schema/assets/") for url in assets)
    for url in assets:
        assert api.client.get(url).status_code == 200, url


def test_the_docs_page_is_swagger_ui_5_which_renders_openapi_3_1(api: Api) -> None:
    page = api.client.get("/schema").text
    bundle = re.search(r"src=[\"'](/schema/assets/swagger-ui-bundle\.js)[\"']", page)

    assert bundle is not None
    assert api.client.get("/schema/assets/VERSION").text.startswith("5.")
    assert "Apache License" in api.client.get("/schema/assets/LICENSE").text


@pytest.mark.parametrize(
    "path",
    ["/schema/redoc", "/schema/elements", "/schema/rapidoc", "/schema/nope", "/schema/a/b",
     "/schema/openapi.yaml", "/schema/assets/nope.js"],
)  # fmt: skip
def test_unknown_paths_under_the_docs_are_problem_404s(api: Api, path: str) -> None:
    assert_problem(api.client.get(path), 404, "not-found")


def test_liveness_is_always_200(api: Api) -> None:
    response = api.client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_is_200_when_the_database_answers_and_503_otherwise(api: Api) -> None:
    assert api.client.get("/health/ready").json() == {"status": "ready"}

    class Unreachable:
        def __call__(self, *, read_only: bool = False) -> None:
            raise StorageUnavailable("OperationalError: unable to open database file")

    api.container.uow.override(providers.Object(Unreachable()))
    response = api.client.get("/health/ready")

    assert_problem(response, 503, "service-unavailable")
    assert int(response.headers["retry-after"]) > 0


@pytest.mark.parametrize("path", ["/api/books", "/api/auth/register"])
def test_options_and_head_are_not_errors_of_ours(api: Api, path: str) -> None:
    assert api.client.options(path).status_code < 500


def test_a_catalogue_that_needs_a_token_is_documented_so(make_api: AppFactory) -> None:
    default = make_api().client.get("/schema/openapi.json").json()["paths"]
    protected = make_api(catalog_requires_auth=True).client.get("/schema/openapi.json").json()

    for path in ("/api/books", "/api/books/{book_id}"):
        assert "security" not in default[path]["get"]
        operation = protected["paths"][path]["get"]
        assert {"BearerAuth": []} in operation["security"]
        assert "401" in operation["responses"]
    assert protected["paths"]["/api/books"]["post"]["security"].count({"BearerAuth": []}) == 1
