"""The bridge from the dependency-injector container to the handlers.

`create_app` keeps the container in the app state. Every handler takes its use cases from it
the same way, `container_of(state).place_order()`: use cases are the container's singletons,
resolved once per app (a `Provide` per use case would cost a resolution per request). No
`@inject` wiring.

Per-request dependencies reach a handler as a parameter named after them
(`actor: InjectedActor`, `book_query: Injected[BookQuery]`), not validated again: their
providers made them.
"""

from __future__ import annotations

from typing import TypeAlias, TypeVar

from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import SkipValidation

from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor
from bookstore.entrypoints.container import Container
from bookstore.entrypoints.http.threads import PasswordThreads

CONTAINER_STATE_KEY = "container"
SETTINGS_STATE_KEY = "settings"

T = TypeVar("T")
Injected: TypeAlias = NamedDependency[SkipValidation[T]]
InjectedActor = Injected[Actor]
InjectedPageRequest = Injected[PageRequest]


def container_of(state: State) -> Container:
    container: Container = state[CONTAINER_STATE_KEY]
    return container


def provide_currency(state: State) -> str:
    return container_of(state).store_config().currency


PASSWORD_THREADS_STATE_KEY = "password_threads"


def provide_password_threads(state: State) -> PasswordThreads:
    threads: PasswordThreads = state[PASSWORD_THREADS_STATE_KEY]
    return threads
