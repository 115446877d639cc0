"""GET /metrics: Prometheus text, from Litestar's Prometheus plugin and prometheus_client.

- Requests: `bookstore_http_requests_total` and `bookstore_http_request_duration_seconds`
  (a histogram), labelled with the method, the route template (`/api/orders/{order_id:uuid}`,
  never the raw path) and the status. Routes that match nothing (404, 405) are not counted.
- The business counters of `bookstore.application.metrics`, and the `ScrapedGauge`s the
  container lists, read when scraped.
- Under `bookstore serve --workers N` every process's values are added up (prometheus_client's
  multiprocess mode: the command sets `PROMETHEUS_MULTIPROC_DIR`), whichever process answers.
- Served only when `BOOKSTORE_METRICS_TOKEN` is set, to callers sending it as a bearer token:
  order and payment figures are the shop's business, and a scrape reads the database. Unset,
  the route does not exist (404) and no request is timed.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Response, get
from litestar._asgi.utils import wrap_in_exception_handler
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import ASGIApp
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bookstore.application.metrics import ScrapedGauge
from bookstore.entrypoints.http.dependencies import SETTINGS_STATE_KEY, container_of
from bookstore.entrypoints.http.security import PUBLIC
from bookstore.entrypoints.settings import Settings

METRICS_PATH = "/metrics"
PREFIX = "bookstore"
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class CountingEveryAnswer(PrometheusMiddleware):
    """Litestar's Prometheus middleware with an exception handler between it and what it
    wraps: a status raised by an inner middleware (the rate limiter's 429, the authentication's
    401) is counted as the answer sent, not as the 200 it would otherwise record."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(wrap_in_exception_handler(app), config)


def _token_guard(connection: ASGIConnection[Any, Any, Any, Any], __: BaseRouteHandler) -> None:
    settings: Settings = connection.app.state[SETTINGS_STATE_KEY]
    scheme, _, given = connection.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise NotAuthorizedException(
            "GET /metrics needs the metrics token (BOOKSTORE_METRICS_TOKEN) as a bearer token.",
            headers={"WWW-Authenticate": "Bearer"},
        )


class MetricsController(Controller):
    path = METRICS_PATH
    opt = PUBLIC  # its own token, not a customer's
    guards = [_token_guard]  # noqa: RUF012 (Litestar's declaration)
    include_in_schema = False

    @get(sync_to_thread=True)
    def metrics(self, state: State) -> Response[bytes]:
        """Every process's figures, then the gauges read now (one text: a scrape may
        concatenate metric families)."""
        gauges = CollectorRegistry(auto_describe=False)
        gauges.register(_Scraped(container_of(state).scraped_gauges()))
        body = generate_latest(_process_registry()) + generate_latest(gauges)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def _process_registry() -> CollectorRegistry:
    """This process's registry, or, in multiprocess mode, one adding up every process's."""
    if MULTIPROCESS_DIRECTORY not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class _Scraped(Collector):
    def __init__(self, gauges: Sequence[ScrapedGauge]) -> None:
        self._gauges = gauges

    def collect(self) -> Iterator[Metric]:
        for gauge in self._gauges:
            family = GaugeMetricFamily(f"{PREFIX}_{gauge.name}", gauge.description)
            family.add_metric([], gauge.read())
            yield family


@dataclass(frozen=True, slots=True)
class MetricsParts:
    """What `create_app` adds for the metrics: nothing unless they are switched on."""

    handlers: tuple[type[Controller], ...] = ()
    middleware: tuple[DefineMiddleware, ...] = ()


def metrics_parts(settings: Settings) -> MetricsParts:
    if not settings.metrics_token:
        return MetricsParts()
    config = PrometheusConfig(
        app_name=PREFIX,
        prefix=f"{PREFIX}_http",
        group_path=True,
        exclude=[METRICS_PATH],
        middleware_class=CountingEveryAnswer,
    )
    return MetricsParts(handlers=(MetricsController,), middleware=(config.middleware,))
