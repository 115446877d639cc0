"""The OpenAPI 3.1 document and the docs page, which works offline.

The docs page is Swagger UI 5 (it renders OpenAPI 3.1), rendered by Litestar's plugin; its
JavaScript and CSS are vendored in `swagger-ui/` (version and licence noted there) and served by
the app itself under `/schema/assets`, never from a CDN. Any other path under `/schema` is a
problem+json 404, like every unknown path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from litestar import Response, Router
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OAuthFlow,
    OAuthFlows,
    Operation,
    Reference,
    RequestBody,
    SecurityScheme,
    Tag,
)
from litestar.static_files import create_static_files_router

from bookstore.entrypoints.http.security import BEARER_SCHEME, OAUTH2_SCHEME, PUBLIC

SCHEMA_PATH = "/schema"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"
SWAGGER_UI_DIRECTORY = Path(__file__).parent / "swagger-ui"
TOKEN_PATH = "/api/auth/token"
"""The OAuth2 password form endpoint: the docs page's Authorize button logs in there."""

_TAGS = [
    Tag(name="auth", description="Accounts, log-in and tokens."),
    Tag(name="users", description="The caller's own account."),
    Tag(name="books", description="The catalogue; writes are for admins."),
    Tag(name="cart", description="The caller's cart."),
    Tag(name="orders", description="The caller's orders."),
    Tag(name="admin", description="Every user's orders and accounts; admins only."),
    Tag(name="health", description="Liveness and readiness."),
]


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Imagine Bookstore API",
        version=version,
        description="Errors are RFC 9457 problem details (`application/problem+json`).",
        openapi_router=_schema_router(),
        render_plugins=[_swagger()],
        components=Components(security_schemes=_security_schemes()),
        tags=_TAGS,
        use_handler_docstrings=True,
    )


def _schema_router() -> Router:
    """Where Litestar serves the document and the docs page."""
    return Router(
        SCHEMA_PATH,
        route_handlers=[],
        include_in_schema=False,
        after_request=_no_html_not_found,
    )


async def _no_html_not_found(response: Response[object]) -> Response[object]:
    """Litestar answers an unknown `/schema/<name>` with an HTML page of its own; ours is
    the problem+json 404 of every unknown path."""
    if response.status_code == 404:
        raise NotFoundException
    return response


def docs_assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[SWAGGER_UI_DIRECTORY],
        opt=dict(PUBLIC),
        cache_control=CacheControlHeader(max_age=86400, public=True),
        name="docs-assets",
    )


@dataclass
class OptionalBodyOperation(Operation):
    """For routes whose body may be left out (Litestar marks every body required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def _swagger() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        path="/swagger",
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def _security_schemes() -> dict[str, SecurityScheme | Reference]:
    return {
        BEARER_SCHEME: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description="An access token from POST /api/auth/login or /api/auth/token.",
        ),
        OAUTH2_SCHEME: SecurityScheme(
            type="oauth2",
            flows=OAuthFlows(password=OAuthFlow(token_url=TOKEN_PATH, scopes={})),
            description="Log in from the docs page with your email as username.",
        ),
    }
