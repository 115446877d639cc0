"""The stock ledger, for admins: a book's movements, adjustments by hand, the reconciliation
of every stock with its ledger, and the books low on stock."""

from __future__ import annotations

from litestar import get, post
from litestar.datastructures import State

from bookstore.application.use_cases.adjust_stock import AdjustStockCommand
from bookstore.application.use_cases.list_low_stock import ListLowStockCommand
from bookstore.application.use_cases.list_movements import ListMovementsCommand
from bookstore.entrypoints.http.controllers.books import BookId
from bookstore.entrypoints.http.dependencies import InjectedActor, InjectedPageRequest, container_of
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.books import BookPage, book_page
from bookstore.entrypoints.http.schemas.inventory import (
    MovementOut,
    MovementPage,
    ReconciliationOut,
    StockAdjustmentRequest,
    movement_out,
    movement_page,
    reconciliation_out,
)
from bookstore.entrypoints.http.security import AdminController


class AdminInventoryController(AdminController):
    path = "/api/admin"

    @get(
        "/books/{book_id:int}/movements",
        operation_id="listMovements",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def movements(
        self, state: State, book_id: BookId, actor: InjectedActor, page_request: InjectedPageRequest
    ) -> MovementPage:
        """A book's stock movements, newest first (a removed book's too): why every copy
        came and went."""
        command = ListMovementsCommand(actor, book_id, page_request)
        return movement_page(container_of(state).list_movements()(command))

    @post(
        "/books/{book_id:int}/stock-adjustments",
        operation_id="adjustStock",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    def adjust(
        self,
        state: State,
        book_id: BookId,
        data: StrictJSONBody[StockAdjustmentRequest],
        actor: InjectedActor,
    ) -> MovementOut:
        """Add or take copies by hand, with a note saying why: an `adjustment` movement,
        applied to the stock as it is at that moment. Below zero is a 409
        `insufficient-stock`; nothing changes."""
        command = AdjustStockCommand(actor, book_id, data.delta, data.note)
        return movement_out(container_of(state).adjust_stock()(command))

    @get(
        "/inventory/reconcile",
        operation_id="reconcileInventory",
        sync_to_thread=True,
        responses=problems(401, 403),
    )
    def reconcile(self, state: State, actor: InjectedActor) -> ReconciliationOut:
        """Every book's stock checked against the sum of its movements; each book where
        they differ is listed."""
        return reconciliation_out(container_of(state).reconcile_inventory()(actor))

    @get(
        "/inventory/low-stock",
        operation_id="listLowStock",
        sync_to_thread=True,
        responses=problems(400, 401, 403),
    )
    def low_stock(
        self, state: State, actor: InjectedActor, page_request: InjectedPageRequest
    ) -> BookPage:
        """The catalogue's books at or below their `low_stock_threshold`, lowest stock first
        (ties by id)."""
        command = ListLowStockCommand(actor, page_request)
        return book_page(container_of(state).list_low_stock()(command))
