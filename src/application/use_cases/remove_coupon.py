from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.cart_quote import CartView
from bookstore.application.use_cases.view_cart import CartUseCase
from bookstore.domain.cart import Cart
from bookstore.domain.coupon import coupon_code
from bookstore.domain.errors import CouponNotInCart
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class RemoveCouponCommand:
    actor: Actor
    code: str
    """Matched case-insensitively."""


class RemoveCoupon(CartUseCase):
    """Take a coupon out of the caller's cart; one not in the cart is not found."""

    def __call__(self, command: RemoveCouponCommand) -> CartView:
        code = coupon_code(command.code)

        def remove(cart: Cart) -> None:
            if code is None:
                raise CouponNotInCart(command.code)
            cart.remove_coupon(code)

        return self._edit(command.actor, remove)
