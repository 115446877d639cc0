"""Naming every offending field of a refused request.

msgspec stops at the first error in a body, and Litestar reports only that one. When a body
is refused, it is checked again field by field, so the client learns about every field at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any, get_args

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.utils.scope.state import ScopeState

from bookstore.entrypoints.http.problems import FieldProblem

JSON_BODY_STATE_KEY = "bookstore.json_body"
"""Where the request keeps its decoded JSON body, so a refusal can be explained in full."""

MAX_REPORTED_ERRORS = 20
MAX_FIELD_NAME = 100
_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


_KINDS = {
    "str": "a string", "int": "an integer", "bool": "true or false", "object": "an object",
    "array": "an array", "null": "null", "decimal": "a decimal number", "float": "a number",
    "uuid": "a UUID",
}  # fmt: skip
_HUMANE = [
    (re.compile(r"^Expected `str` of length >= (\d+)$"), r"must be at least \1 characters"),
    (re.compile(r"^Expected `str` of length <= (\d+)$"), r"must be at most \1 characters"),
    (re.compile(r"^Expected `\w+` >= (\S+)$"), r"must be at least \1"),
    (re.compile(r"^Expected `\w+` <= (\S+)$"), r"must be at most \1"),
    (
        re.compile(r"^Expected `str` matching regex .*$", re.DOTALL),
        "does not have the expected format",
    ),
]


def field_problem(field: str, message: str) -> FieldProblem:
    return FieldProblem(field=field[:MAX_FIELD_NAME], message=humane(message))


def humane(message: str) -> str:
    """msgspec's messages, phrased for people (and never echoing a regex)."""
    for pattern, replacement in _HUMANE:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    if mismatch := re.match(r"^Expected `([\w |]+)`, got `(\w+)`$", message):
        wanted = " or ".join(_KINDS.get(k, k) for k in mismatch.group(1).split(" | "))
        return f"must be {wanted}, not {_KINDS.get(mismatch.group(2), mismatch.group(2))}"
    return message.replace("`", "")


def validation_errors(
    request: Request[Any, Any, Any], exc: ValidationException
) -> list[FieldProblem]:
    """Every offending field: from a second look at the body, else from Litestar's report."""
    reported = exc.extra if isinstance(exc.extra, list) else []
    from_body = _body_errors(request) if any(_is_body(item) for item in reported) else []
    errors = from_body or [_from_litestar(item) for item in reported if isinstance(item, Mapping)]
    return errors[:MAX_REPORTED_ERRORS] or [field_problem("request", "is not valid")]


def _is_body(item: object) -> bool:
    return isinstance(item, Mapping) and item.get("source") == "body"


def _from_litestar(item: Mapping[str, Any]) -> FieldProblem:
    key, message = str(item.get("key") or "request"), str(item.get("message") or "is not valid")
    if key == "data":
        # Litestar names the whole body `data`; a missing body surfaces as the message "'data'".
        return field_problem("body", "is required" if message == "'data'" else message)
    return field_problem(key, message)


def _body_errors(request: Request[Any, Any, Any]) -> list[FieldProblem]:
    raw = request.scope.get("state", {}).get(JSON_BODY_STATE_KEY, msgspec.UNSET)
    if raw is msgspec.UNSET:
        raw = _form_of(request)
    struct_type = body_struct(request)
    if raw is msgspec.UNSET or struct_type is None:
        return []
    if not isinstance(raw, dict):
        return [field_problem("body", "must be a JSON object")]
    return struct_errors(struct_type, raw)


def _form_of(request: Request[Any, Any, Any]) -> Any:
    """The urlencoded form Litestar parsed for a form route, if any."""
    form = ScopeState.from_scope(request.scope).form
    return form if isinstance(form, dict) else msgspec.UNSET


def body_struct(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    handler = request.scope.get("route_handler")
    data = handler.parsed_fn_signature.parameters.get("data") if handler else None
    if data is None:
        return None
    return next(_structs_in((data.annotation, *get_args(data.annotation))), None)


def _structs_in(candidates: Iterable[Any]) -> Iterator[type[msgspec.Struct]]:
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, msgspec.Struct):
            yield candidate


def struct_errors(struct_type: type[msgspec.Struct], raw: dict[Any, Any]) -> list[FieldProblem]:
    """Check each field on its own, and name every unknown field."""
    known = {info.encode_name: info for info in msgspec.structs.fields(struct_type)}
    errors = [
        field_problem(str(key), "is not an allowed field")
        for key in raw
        if key not in known and struct_type.__struct_config__.forbid_unknown_fields
    ]
    for name, info in known.items():
        if name not in raw:
            if info.required:
                errors.append(field_problem(name, "is required"))
            continue
        try:
            msgspec.convert({name: raw[name]}, _probe(struct_type, info.name), strict=True)
        except msgspec.ValidationError as error:
            errors.append(_from_msgspec(str(error), default_field=name))
    return errors


@cache
def _probe(struct_type: type[msgspec.Struct], field_name: str) -> type[msgspec.Struct]:
    """A one-field struct with the same type and name as the field, to validate it alone."""
    info = next(f for f in msgspec.structs.fields(struct_type) if f.name == field_name)
    return msgspec.defstruct(
        f"{struct_type.__name__}_{field_name}",
        [(info.name, info.type, msgspec.field(name=info.encode_name))],
    )


def _from_msgspec(text: str, default_field: str) -> FieldProblem:
    match = _PATH.match(text)
    if match is None or not match.group("path"):
        return field_problem(default_field, text)
    return field_problem(match.group("path").lstrip("."), match.group("message"))
