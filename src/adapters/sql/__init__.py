"""SQLAlchemy 2 (Core) adapters for every storage port, on SQLite and PostgreSQL."""

from bookstore.adapters.sql.engine import make_engine
from bookstore.adapters.sql.migrate import upgrade_database, upgrade_engine
from bookstore.adapters.sql.tables import metadata
from bookstore.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "make_engine",
    "metadata",
    "upgrade_database",
    "upgrade_engine",
]
