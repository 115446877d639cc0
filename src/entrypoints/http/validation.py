"""Naming every offending field of a refused request, and what each would accept.

msgspec stops at the first error in a body, and Litestar reports only that one. When a body
is refused, it is checked again field by field, so the client learns about every field at once;
the fields that have the right shape then go to the domain's checks (a request struct's
`value_errors`), so a price below zero is named beside an empty title. A value outside an enum
is answered with the values allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, get_args

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.utils.scope.state import ScopeState

from bookstore.domain.errors import FieldError
from bookstore.entrypoints.http.problems import FieldProblem

JSON_BODY_STATE_KEY = "bookstore.json_body"
"""Where the request keeps its decoded JSON body, so a refusal can be explained in full."""

VALUE_ERRORS = "value_errors"
"""A request struct's optional static method `value_errors(fields) -> list[FieldError]`: the
domain's objections to some of its fields (given by name, each already of the right type)."""

ValueErrors = Callable[[Mapping[str, Any]], list[FieldError]]

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
    errors = [_with_choices(request, error) for error in errors[:MAX_REPORTED_ERRORS]]
    return errors or [field_problem("request", "is not valid")]


def _with_choices(request: Request[Any, Any, Any], error: FieldProblem) -> FieldProblem:
    """msgspec says only "Invalid enum value 'x'"; the client needs the values allowed."""
    if not error.message.startswith("Invalid enum value"):
        return error
    choices = _choices_of_field(request, error.field)
    if not choices:
        return error
    return FieldProblem(field=error.field, message=f"must be one of: {', '.join(choices)}")


def _choices_of_field(request: Request[Any, Any, Any], field: str) -> tuple[str, ...]:
    """The values allowed in a body field or a parameter (of the handler or a dependency)."""
    handler = request.route_handler
    body = body_struct(request)
    models = [
        *([body] if body else []),
        handler.signature_model,
        *(provider.signature_model for provider in handler.resolve_dependencies().values()),
    ]
    for model in models:
        for info in msgspec.structs.fields(model):
            if field in (info.name, info.encode_name) and (choices := allowed_values(info.type)):
                return choices
    return ()


def allowed_values(annotation: Any) -> tuple[str, ...]:
    """The values of the enum or literal in a type (`Sort | None` too); () if there is none."""
    return _choices_in(msgspec.inspect.type_info(annotation))


def _choices_in(info: msgspec.inspect.Type) -> tuple[str, ...]:
    if isinstance(info, msgspec.inspect.Metadata):
        return _choices_in(info.type)
    if isinstance(info, msgspec.inspect.EnumType):
        return tuple(str(member.value) for member in info.cls)
    if isinstance(info, msgspec.inspect.LiteralType):
        return tuple(str(value) for value in info.values)
    if isinstance(info, msgspec.inspect.UnionType):
        return next((c for t in info.types if (c := _choices_in(t))), ())
    return ()


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
    candidates = (data.annotation, *get_args(data.annotation))
    structs = (c for c in candidates if isinstance(c, type) and issubclass(c, msgspec.Struct))
    return next(structs, None)


def struct_errors(struct_type: type[msgspec.Struct], raw: dict[Any, Any]) -> list[FieldProblem]:
    """Check each field on its own, and name every unknown field; then let the domain judge
    the fields that have the right shape."""
    known = {info.encode_name: info for info in msgspec.structs.fields(struct_type)}
    errors = [
        field_problem(str(key), "is not an allowed field")
        for key in raw
        if key not in known and struct_type.__struct_config__.forbid_unknown_fields
    ]
    shaped: dict[str, Any] = {}
    for name, info in known.items():
        if name not in raw:
            if info.required:
                errors.append(field_problem(name, "is required"))
            continue
        try:
            probe = msgspec.convert({name: raw[name]}, _probe(struct_type, info.name), strict=True)
        except msgspec.ValidationError as error:
            errors.append(_from_msgspec(str(error), default_field=name))
        else:
            shaped[info.name] = getattr(probe, info.name)
    value_errors: ValueErrors | None = getattr(struct_type, VALUE_ERRORS, None)
    if errors and shaped and value_errors is not None:
        errors += [field_problem(e.field, e.message) for e in value_errors(shaped)]
    order = {name: position for position, name in enumerate(known)}
    return sorted(errors, key=lambda error: order.get(error.field, -1))


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
