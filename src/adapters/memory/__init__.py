"""In-memory storage with the semantics of a database: nothing is seen until committed."""

from bookstore.adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory

__all__ = ["MemoryUnitOfWork", "MemoryUnitOfWorkFactory"]
