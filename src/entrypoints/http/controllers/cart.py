"""The caller's cart: every user has one, created on first use."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import PathParameter, SkipValidation

from bookstore.application.use_cases.add_to_cart import AddToCart, AddToCartCommand
from bookstore.application.use_cases.clear_cart import ClearCart
from bookstore.application.use_cases.remove_from_cart import (
    RemoveFromCart,
    RemoveFromCartCommand,
)
from bookstore.application.use_cases.set_cart_quantity import (
    SetCartQuantity,
    SetCartQuantityCommand,
)
from bookstore.application.use_cases.view_cart import ViewCart
from bookstore.domain.user import Actor
from bookstore.entrypoints.http.dependencies import container_of, use_case
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.cart import (
    AddItemRequest,
    CartOut,
    SetQuantityRequest,
    cart_out,
)
from bookstore.entrypoints.http.schemas.common import MAX_INT_ID
from bookstore.entrypoints.http.security import BEARER, REQUIRES_USER, authenticated

BookId = Annotated[int, PathParameter(ge=1, le=MAX_INT_ID, description="The book's id.")]


class CartController(Controller):
    path = "/api/cart"
    tags = ("cart",)
    opt = REQUIRES_USER
    security = BEARER
    dependencies = MappingProxyType(
        {
            "view_cart": use_case(lambda c: c.view_cart),
            "set_cart_quantity": use_case(lambda c: c.set_cart_quantity),
            "remove_from_cart": use_case(lambda c: c.remove_from_cart),
            "clear_cart": use_case(lambda c: c.clear_cart),
        }
    )

    @get("/", operation_id="viewCart", sync_to_thread=True, responses=problems(401))
    def view(
        self,
        actor: NamedDependency[SkipValidation[Actor]],
        view_cart: NamedDependency[SkipValidation[ViewCart]],
    ) -> CartOut:
        """The cart, priced at today's catalogue prices."""
        return cart_out(view_cart(actor))

    @post(
        "/items",
        operation_id="addToCart",
        status_code=200,
        responses=problems(400, 401, 404, 409, 413, 415),
    )
    async def add(
        self, request: Request[Any, Any, Any], data: StrictJSONBody[AddItemRequest]
    ) -> CartOut:
        """Add copies of a book on top of those already in the cart."""
        # The hot write takes the caller and its use case itself: each `Provide` costs a
        # resolution per request.
        state = request.app.state
        add_to_cart: AddToCart = container_of(state).add_to_cart()
        command = AddToCartCommand(authenticated(request).actor, data.book_id, data.quantity)
        return cart_out(await storage_calls(state).write(add_to_cart, command))

    @put(
        "/items/{book_id:int}",
        operation_id="setCartQuantity",
        sync_to_thread=True,
        responses=problems(400, 401, 404, 409, 413, 415),
    )
    def set_quantity(
        self,
        book_id: BookId,
        data: StrictJSONBody[SetQuantityRequest],
        actor: NamedDependency[SkipValidation[Actor]],
        set_cart_quantity: NamedDependency[SkipValidation[SetCartQuantity]],
    ) -> CartOut:
        """Set a line's quantity, creating the line if needed; 0 removes it."""
        command = SetCartQuantityCommand(actor, book_id, data.quantity)
        return cart_out(set_cart_quantity(command))

    @delete(
        "/items/{book_id:int}",
        operation_id="removeFromCart",
        status_code=200,
        sync_to_thread=True,
        responses=problems(400, 401, 404),
    )
    def remove(
        self,
        book_id: BookId,
        actor: NamedDependency[SkipValidation[Actor]],
        remove_from_cart: NamedDependency[SkipValidation[RemoveFromCart]],
    ) -> CartOut:
        """Remove a book's line; a book not in the cart is not found."""
        return cart_out(remove_from_cart(RemoveFromCartCommand(actor, book_id)))

    @delete("/", operation_id="emptyCart", sync_to_thread=True, responses=problems(401))
    def clear(
        self,
        actor: NamedDependency[SkipValidation[Actor]],
        clear_cart: NamedDependency[SkipValidation[ClearCart]],
    ) -> None:
        """Empty the cart."""
        clear_cart(actor)
