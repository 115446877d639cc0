"""The caller's cart: every user has one, created on first use."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get, post, put
from litestar.datastructures import State

from bookstore.application.use_cases.add_to_cart import AddToCartCommand
from bookstore.application.use_cases.apply_coupon import ApplyCouponCommand
from bookstore.application.use_cases.remove_coupon import RemoveCouponCommand
from bookstore.application.use_cases.remove_from_cart import RemoveFromCartCommand
from bookstore.application.use_cases.set_cart_quantity import SetCartQuantityCommand
from bookstore.entrypoints.http.controllers.books import BookId
from bookstore.entrypoints.http.controllers.coupons import CouponCode
from bookstore.entrypoints.http.dependencies import InjectedActor, container_of
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.cart import (
    AddItemRequest,
    CartOut,
    SetQuantityRequest,
    cart_out,
)
from bookstore.entrypoints.http.schemas.coupons import ApplyCouponRequest
from bookstore.entrypoints.http.security import SignedInController, authenticated


class CartController(SignedInController):
    path = "/api/cart"
    tags = ("cart",)

    @get("/", operation_id="viewCart", sync_to_thread=True, responses=problems(401))
    def view(self, state: State, actor: InjectedActor) -> CartOut:
        """The cart, priced at today's catalogue prices."""
        return cart_out(container_of(state).view_cart()(actor))

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
        # The caller from the request itself: a `Provide` costs a resolution per request.
        state = request.app.state
        add_to_cart = container_of(state).add_to_cart()
        command = AddToCartCommand(authenticated(request).actor, data.book_id, data.quantity)
        return cart_out(await storage_calls(state).write(add_to_cart, command))

    @put(
        "/items/{book_id:int}",
        operation_id="setCartQuantity",
        responses=problems(400, 401, 404, 409, 413, 415),
    )
    async def set_quantity(
        self,
        state: State,
        book_id: BookId,
        data: StrictJSONBody[SetQuantityRequest],
        actor: InjectedActor,
    ) -> CartOut:
        """Set a line's quantity, creating the line if needed; 0 removes it."""
        command = SetCartQuantityCommand(actor, book_id, data.quantity)
        set_cart_quantity = container_of(state).set_cart_quantity()
        return cart_out(await storage_calls(state).write(set_cart_quantity, command))

    @delete(
        "/items/{book_id:int}",
        operation_id="removeFromCart",
        status_code=200,
        sync_to_thread=True,
        responses=problems(400, 401, 404),
    )
    def remove(self, state: State, book_id: BookId, actor: InjectedActor) -> CartOut:
        """Remove a book's line; a book not in the cart is not found."""
        command = RemoveFromCartCommand(actor, book_id)
        return cart_out(container_of(state).remove_from_cart()(command))

    @delete("/", operation_id="emptyCart", sync_to_thread=True, responses=problems(401))
    def clear(self, state: State, actor: InjectedActor) -> None:
        """Empty the cart."""
        container_of(state).clear_cart()(actor)

    @post(
        "/coupons",
        operation_id="applyCoupon",
        status_code=200,
        responses=problems(400, 401, 413, 415, 422),
    )
    async def apply_coupon(
        self, request: Request[Any, Any, Any], data: StrictJSONBody[ApplyCouponRequest]
    ) -> CartOut:
        """Put a coupon in the cart. One that does not apply is a 422
        `coupon-not-applicable` with its `reason`; the cart is unchanged."""
        state = request.app.state
        command = ApplyCouponCommand(authenticated(request).actor, data.code)
        apply_coupon = container_of(state).apply_coupon()
        return cart_out(await storage_calls(state).write(apply_coupon, command))

    @delete(
        "/coupons/{code:str}",
        operation_id="removeCoupon",
        status_code=200,
        sync_to_thread=True,
        responses=problems(400, 401, 404),
    )
    def remove_coupon(self, state: State, code: CouponCode, actor: InjectedActor) -> CartOut:
        """Take a coupon out of the cart; one not in the cart is not found."""
        return cart_out(container_of(state).remove_coupon()(RemoveCouponCommand(actor, code)))
