"""What most use cases are built from, held once: their storage, and often the time."""

from __future__ import annotations

from bookstore.application.ports import Clock, UnitOfWorkFactory


class StorageUseCase:
    """A use case that needs only storage: `self._uow` opens its units of work."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow


class ClockedUseCase:
    """A use case that needs storage (`self._uow`) and the time (`self._clock`)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
