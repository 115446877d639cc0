"""Bad input, generated from the route table and the OpenAPI document: the boundary values of
every body field, query parameter and path parameter, absurd bodies (1000-deep, invalid UTF-8,
10 MB, the wrong content type) → a 4xx problem, and nothing in the store changed.

A value is "bad" for a field when the field's own schema refuses it (checked with a JSON Schema
validator); values the schema allows are sent as well, and must then not fail with a 5xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from http_matrix import (
    FILE_ROUTES,
    FORM_ROUTES,
    ROUTES,
    SIGNED_ROUTES,
    Call,
    World,
    build_world,
    openapi_path,
    snapshot,
    strongest_caller,
)
from http_support import PROBLEM_JSON, error_fields

BOUNDARY_VALUES: list[Any] = [
    0,
    -1,
    1,
    1.5,
    10**18,
    10**30,
    -(10**30),
    "",
    " ",
    "x",
    None,
    True,
    [],
    {},
    "\x00",
]
QUERY_VALUES = ["0", "-1", "1.5", str(10**18), str(10**30), "", "x", "x" * 1001, "true", "\x00"]
PATH_VALUES = ["0", "-1", "1.5", str(10**18), str(10**30), "x", "%00", "0" * 40]
TEN_MB = "x" * (10 * 1024 * 1024)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[World]:
    """A SQLite file: what a rejected request must not have written is on disk."""
    world, client = build_world("sqlite", tmp_path_factory.mktemp("bad-input"), migrated_sqlite)
    yield world
    client.__exit__(None, None, None)
    world.api.container.uow().engine.dispose()


@pytest.fixture(scope="module")
def document(world: World) -> dict[str, Any]:
    result: dict[str, Any] = world.api.client.get("/schema/openapi.json").json()
    return result


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][openapi_path(path)][method.lower()]
    return operation


def _valid(document: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    rooted = schema | {"components": document["components"]}
    validator = jsonschema_rs.validator_for(rooted, validate_formats=True)
    return bool(validator.is_valid(value))


def _body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema: dict[str, Any] = content["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _call(world: World, route: tuple[str, str]) -> Call:
    spec = ROUTES[route]
    caller = strongest_caller(world, route)
    return spec.prepare(world, caller)


def assert_refused(response: Any, statuses: set[int], context: Any) -> dict[str, Any]:
    assert response.status_code in statuses, (context, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM_JSON), context
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


def assert_still_valid(world: World, call: Call) -> None:
    """A refused log-out did not end the session it was sent with."""
    if call.session is not None:
        me = world.api.client.get("/api/users/me", headers=call.session.headers)
        assert me.status_code == 200


# JSON bodies; the OAuth2 form's bad input is in test_http_auth.
BODY_ROUTES = [
    route
    for route in ROUTES
    if route[0] in {"POST", "PUT", "PATCH"}
    and route not in FORM_ROUTES | FILE_ROUTES | SIGNED_ROUTES
]


@pytest.mark.parametrize("route", BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
def test_boundary_values_of_every_body_field_are_refused_and_change_nothing(
    world: World, document: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    schema = _body_schema(document, _operation(document, method, path))
    assert schema is not None
    call = _call(world, route)
    body = call.body or {}
    before = snapshot(world)
    tried = 0

    properties: dict[str, Any] = schema.get("properties", {})
    for name, field_schema in properties.items():
        values = list(BOUNDARY_VALUES)
        if "maxLength" in json.dumps(field_schema):
            values.append("x" * (_max_length(field_schema) + 1))
        for value in values:
            if _valid(document, field_schema, value):
                continue
            response = _send(world, method, call, body | {name: value})
            problem = assert_refused(response, {400}, (route, name, value))
            assert name in error_fields(problem), (route, name, value, problem)
            tried += 1
    big_field = next(iter(properties), "x")
    assert_refused(_send(world, method, call, body | {big_field: TEN_MB}), {413}, (route, "10MB"))

    assert tried or not schema.get("properties"), route
    assert snapshot(world) == before
    assert_still_valid(world, call)


def _max_length(schema: dict[str, Any]) -> int:
    return max(int(n) for n in re.findall(r'"maxLength": (\d+)', json.dumps(schema)))


def _send(world: World, method: str, call: Call, body: Any) -> Any:
    return world.api.client.request(method, call.path, json=body, headers=call.headers)


def _raw(world: World, method: str, call: Call, content: bytes, content_type: str) -> Any:
    headers = call.headers | {"content-type": content_type}
    return world.api.client.request(method, call.path, content=content, headers=headers)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
def test_unreadable_bodies_are_refused_and_change_nothing(
    world: World, document: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    operation = _operation(document, method, path)
    call = _call(world, route)
    valid = json.dumps(call.body or {}).encode()
    bad_utf8 = valid[:-1] + b', "\xff\xfe": "\xc3\x28"}' if call.body else b'{"\xff": 1}'
    before = snapshot(world)
    cases: list[tuple[str, bytes, str, set[int]]] = [
        ("deep-array", b"[" * 1000 + b"]" * 1000, "application/json", {400}),
        ("deep-object", b'{"a":' * 1000 + b"1" + b"}" * 1000, "application/json", {400}),
        ("bad-utf8", bad_utf8, "application/json", {400}),
        ("malformed", valid[:-1], "application/json", {400}),
        ("array", b"[]", "application/json", {400}),
        ("string", b'"x"', "application/json", {400}),
        ("number", b"1e999999", "application/json", {400}),
        ("text/plain", valid, "text/plain", {415}),
        ("xml", b"<a/>", "application/xml", {415}),
        ("multipart", b"--x--", "multipart/form-data; boundary=x", {415}),
    ]  # fmt: skip
    if operation.get("requestBody", {}).get("required", True):
        cases.append(("empty", b"", "application/json", {400}))

    for name, content, content_type, statuses in cases:
        response = _raw(world, method, call, content, content_type)
        assert_refused(response, statuses, (route, name))

    assert snapshot(world) == before
    assert_still_valid(world, call)


QUERY_ROUTES = [route for route in ROUTES if route[0] == "GET" and route[1].startswith("/api/")]


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=[f"{m} {p}" for m, p in QUERY_ROUTES])
def test_boundary_values_of_every_query_parameter(
    world: World, document: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    parameters = [
        p for p in _operation(document, method, path).get("parameters", []) if p["in"] == "query"
    ]
    call = _call(world, route)
    before = snapshot(world)

    for parameter in parameters:
        for text in QUERY_VALUES:
            response = world.api.client.get(
                call.path, params={parameter["name"]: text}, headers=call.headers
            )
            context = (route, parameter["name"], text[:20])
            assert response.status_code < 500, context
            if not _query_valid(document, parameter["schema"], text):
                problem = assert_refused(response, {400}, context)
                assert parameter["name"] in error_fields(problem), context

    assert snapshot(world) == before


def _query_valid(document: dict[str, Any], schema: dict[str, Any], text: str) -> bool:
    """Whether the schema takes the text as the typed value a query string carries."""
    candidates: list[Any] = [text]
    if re.fullmatch(r"-?\d+", text):
        candidates.append(int(text))
    if text in {"true", "false", "1", "0"}:  # a query string has no types: 1 and 0 are fine
        candidates.append(text in {"true", "1"})
    return any(_valid(document, schema, candidate) for candidate in candidates)


PATH_ROUTES = [route for route in ROUTES if "{" in route[1]]


@pytest.mark.parametrize("route", PATH_ROUTES, ids=[f"{m} {p}" for m, p in PATH_ROUTES])
def test_boundary_values_of_every_path_parameter(world: World, route: tuple[str, str]) -> None:
    method, path = route
    call = _call(world, route)
    before = snapshot(world)

    for text in PATH_VALUES:
        target = re.sub(r"\{\w+:\w+\}", text, path)
        response = world.api.client.request(method, target, json=call.body, headers=call.headers)
        assert_refused(response, {400, 404}, (route, text))

    assert snapshot(world) == before
