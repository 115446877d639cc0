"""How the API reads request bodies.

- JSON only (or `+json`, or no Content-Type at all); anything else is 415.
- JSON numbers with a fraction are read as `Decimal`, so a price of 12.99 stays exact;
  whole numbers written `3.0` are integers.
- Malformed JSON, invalid UTF-8 and absurd nesting are a client's 400, never a 500.
- Body fields are checked strictly: `0` is not `false` and `"5"` is not `5`.

- The OAuth2 password form is POST /api/auth/token's alone (`form_only`): Litestar reads it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, TypeAlias, TypeVar

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, ValidationException
from litestar.params import BodyKwarg

from bookstore.entrypoints.http.validation import JSON_BODY_STATE_KEY, body_struct

T = TypeVar("T")

StrictJSONBody: TypeAlias = Annotated[
    T,
    BodyKwarg(media_type=RequestEncodingType.JSON, schema_extra={"additional_properties": False}),
]
"""A JSON body whose struct refuses unknown fields, documented so (`additionalProperties`)."""

StrictFormBody: TypeAlias = Annotated[
    T,
    BodyKwarg(
        media_type=RequestEncodingType.URL_ENCODED,
        schema_extra={"additional_properties": False},
    ),
]
"""A urlencoded form whose struct refuses unknown fields (see `form_only`)."""


def _number(text: str) -> Decimal | int:
    """JSON numbers with a fraction or exponent, read exactly; whole ones (`3.0`) are integers,
    as JSON Schema counts them. No Decimal arithmetic here: `1e999999999` would overflow it."""
    value = Decimal(text)
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or value.adjusted() > _MAX_WHOLE_DIGITS:
        return value
    if exponent < 0 and any(digits[exponent:]):
        return value
    return int(value)


_MAX_WHOLE_DIGITS = 18
_decoder = msgspec.json.Decoder(float_hook=_number)


class MalformedBody(ClientException):
    status_code = 400


class UnsupportedMediaType(ClientException):
    status_code = 415


class ApiRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        state = self.scope.setdefault("state", {})
        if JSON_BODY_STATE_KEY not in state:
            state[JSON_BODY_STATE_KEY] = body = await self._read_body()
            check_strictly(self, body)
        return state[JSON_BODY_STATE_KEY]

    async def _read_body(self) -> Any:
        media_type = self.content_type[0].lower()
        if media_type and media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType(detail="Send the body as application/json.")
        return decode_json(await self.body())


async def form_only(request: Request[Any, Any, Any]) -> None:
    """`before_request` of a route that takes a urlencoded form (Litestar would read any other
    body as an empty form, and answer that every field is missing)."""
    media_type = request.content_type[0].lower()
    if media_type and media_type != RequestEncodingType.URL_ENCODED:
        raise UnsupportedMediaType(
            detail=f"Send the body as {RequestEncodingType.URL_ENCODED.value}."
        )


def check_strictly(request: Request[Any, Any, Any], body: Any) -> None:
    """A JSON body has the types its schema says, as JSON writes them: Litestar converts
    bodies leniently (`0` would pass as `false`, `"5"` as `5`), so the body is first checked
    against its struct strictly. Strings still become UUIDs and decimals, as JSON has no such
    types."""
    struct_type = body_struct(request)
    if struct_type is None or not isinstance(body, dict):
        return
    try:
        msgspec.convert(body, struct_type, strict=True)
    except msgspec.ValidationError as error:
        raise ValidationException(
            detail=str(error), extra=[{"key": "data", "message": str(error), "source": "body"}]
        ) from None


def decode_json(body: bytes) -> Any:
    try:
        return _decoder.decode(body or b"null")
    except msgspec.DecodeError as error:
        raise MalformedBody(detail=f"The body is not valid JSON: {error}") from None
    except UnicodeDecodeError:
        raise MalformedBody(detail="The body is not valid UTF-8.") from None
    except RecursionError:
        raise MalformedBody(detail="The body's JSON is nested too deeply.") from None
