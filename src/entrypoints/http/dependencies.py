"""The bridge from the dependency-injector container to Litestar's `Provide`.

`create_app` keeps the container in the app state; each provider asks it for a fresh use case
per request. No `@inject` wiring: Litestar sees only small typed functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from litestar.datastructures import State
from litestar.di import Provide

from bookstore.entrypoints.container import Container
from bookstore.entrypoints.http.threads import PasswordThreads

T = TypeVar("T")

CONTAINER_STATE_KEY = "container"
SETTINGS_STATE_KEY = "settings"


def container_of(state: State) -> Container:
    container: Container = state[CONTAINER_STATE_KEY]
    return container


def use_case(pick: Callable[[Container], Callable[[], T]]) -> Provide:
    """`Provide` a new object from the container provider that `pick` selects."""

    def provide(state: State) -> T:
        return pick(container_of(state))()

    return Provide(provide, sync_to_thread=False)


def provide_currency(state: State) -> str:
    return container_of(state).store_config().currency


PASSWORD_THREADS_STATE_KEY = "password_threads"


def provide_password_threads(state: State) -> PasswordThreads:
    threads: PasswordThreads = state[PASSWORD_THREADS_STATE_KEY]
    return threads
