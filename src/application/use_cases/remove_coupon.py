from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.cart_quote import CartView
from bookstore.application.config import StoreConfig
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.application.use_cases.view_cart import load_cart_view
from bookstore.domain.coupon import coupon_code
from bookstore.domain.errors import CouponNotInCart
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class RemoveCouponCommand:
    actor: Actor
    code: str
    """Matched case-insensitively."""


class RemoveCoupon:
    """Take a coupon out of the caller's cart; one not in the cart is not found."""

    def __init__(self, uow: UnitOfWorkFactory, config: StoreConfig, clock: Clock) -> None:
        self._uow = uow
        self._config = config
        self._clock = clock

    def __call__(self, command: RemoveCouponCommand) -> CartView:
        code = coupon_code(command.code)
        with self._uow() as uow:
            cart = uow.carts.get(command.actor.user_id)
            if code is None:
                raise CouponNotInCart(command.code)
            cart.remove_coupon(code)
            uow.carts.save(cart)
            view = load_cart_view(uow, cart, self._config, self._clock)
            uow.commit()
        return view
