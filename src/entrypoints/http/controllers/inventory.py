"""The stock ledger, for admins: a book's movements, adjustments by hand, the reconciliation
of every stock with its ledger, and the books low on stock."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, SkipValidation

from bookstore.application.use_cases.adjust_stock import AdjustStock, AdjustStockCommand
from bookstore.application.use_cases.list_low_stock import ListLowStock, ListLowStockCommand
from bookstore.application.use_cases.list_movements import ListMovements, ListMovementsCommand
from bookstore.application.use_cases.reconcile_inventory import ReconcileInventory
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor
from bookstore.entrypoints.http.dependencies import use_case
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.books import BookPage, book_page
from bookstore.entrypoints.http.schemas.common import MAX_INT_ID
from bookstore.entrypoints.http.schemas.inventory import (
    MovementOut,
    MovementPage,
    ReconciliationOut,
    StockAdjustmentRequest,
    movement_out,
    movement_page,
    reconciliation_out,
)
from bookstore.entrypoints.http.security import BEARER, requires_admin

BookId = Annotated[int, PathParameter(ge=1, le=MAX_INT_ID, description="The book's id.")]


class AdminInventoryController(Controller):
    path = "/api/admin"
    tags = ("admin",)
    guards = (requires_admin,)
    security = BEARER
    dependencies = MappingProxyType(
        {
            "list_movements": use_case(lambda c: c.list_movements),
            "adjust_stock": use_case(lambda c: c.adjust_stock),
            "reconcile_inventory": use_case(lambda c: c.reconcile_inventory),
            "list_low_stock": use_case(lambda c: c.list_low_stock),
        }
    )

    @get(
        "/books/{book_id:int}/movements",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def movements(
        self,
        book_id: BookId,
        actor: NamedDependency[SkipValidation[Actor]],
        page_request: NamedDependency[SkipValidation[PageRequest]],
        list_movements: NamedDependency[SkipValidation[ListMovements]],
    ) -> MovementPage:
        """A book's stock movements, newest first (a removed book's too): why every copy
        came and went."""
        return movement_page(list_movements(ListMovementsCommand(actor, book_id, page_request)))

    @post(
        "/books/{book_id:int}/stock-adjustments",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    def adjust(
        self,
        book_id: BookId,
        data: StrictJSONBody[StockAdjustmentRequest],
        actor: NamedDependency[SkipValidation[Actor]],
        adjust_stock: NamedDependency[SkipValidation[AdjustStock]],
    ) -> MovementOut:
        """Add or take copies by hand, with a note saying why: an `adjustment` movement,
        applied to the stock as it is at that moment. Below zero is a 409
        `insufficient-stock`; nothing changes."""
        command = AdjustStockCommand(actor, book_id, data.delta, data.note)
        return movement_out(adjust_stock(command))

    @get("/inventory/reconcile", sync_to_thread=True, responses=problems(401, 403))
    def reconcile(
        self,
        actor: NamedDependency[SkipValidation[Actor]],
        reconcile_inventory: NamedDependency[SkipValidation[ReconcileInventory]],
    ) -> ReconciliationOut:
        """Every book's stock checked against the sum of its movements; each book where
        they differ is listed."""
        return reconciliation_out(reconcile_inventory(actor))

    @get("/inventory/low-stock", sync_to_thread=True, responses=problems(400, 401, 403))
    def low_stock(
        self,
        actor: NamedDependency[SkipValidation[Actor]],
        page_request: NamedDependency[SkipValidation[PageRequest]],
        list_low_stock: NamedDependency[SkipValidation[ListLowStock]],
    ) -> BookPage:
        """The catalogue's books at or below their `low_stock_threshold`, lowest stock first
        (ties by id)."""
        return book_page(list_low_stock(ListLowStockCommand(actor, page_request)))
