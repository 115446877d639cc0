from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bookstore.application.use_cases.view_cart import CartUseCase, CartView, load_cart_view
from bookstore.domain.coupon import NotApplicable, coupon_code
from bookstore.domain.errors import CouponNotApplicable
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class ApplyCouponCommand:
    actor: Actor
    code: str
    """As the customer typed it: matched case-insensitively."""


class ApplyCoupon(CartUseCase):
    """Put a coupon in the caller's cart, after those already there.

    - It must apply to the cart as it is now, next to the coupons already in it; otherwise
      `CouponNotApplicable` with the first of §13's reasons, and the cart is unchanged. A code
      no coupon could have (wrong characters or length) is `unknown`.
    - A coupon already in the cart stays there once.
    - Nothing is used yet: a coupon's use is taken when the order is placed.
    """

    retry_when_busy: ClassVar[Literal[True]] = True
    """Its write unit of work is its first storage action (see `RetryableWrite`)."""

    def __call__(self, command: ApplyCouponCommand) -> CartView:
        with self._uow() as uow:
            code = coupon_code(command.code)
            if code is None:
                raise CouponNotApplicable(command.code.strip(), NotApplicable.UNKNOWN.value)
            cart = uow.carts.get(command.actor.user_id)
            cart.add_coupon(code)
            view = load_cart_view(uow, cart, self._config, self._clock)
            outcome = next(c for c in view.coupons if c.code == code)
            if outcome.reason is not None:
                raise CouponNotApplicable(code, outcome.reason.value)
            uow.carts.save(cart)
            uow.commit()
        return view
