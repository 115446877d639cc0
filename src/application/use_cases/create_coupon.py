from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import ClockedUseCase
from bookstore.domain.coupon import Coupon, CouponKind, check_code, coupon_value
from bookstore.domain.money import Money
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class CreateCouponCommand:
    actor: Actor
    code: str
    kind: CouponKind
    value: str | int | Decimal
    """A whole percentage 1 to 100 (`percent`), or a money amount above 0 (`fixed`)."""
    min_subtotal: str | int | Decimal | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: int | None = None
    max_uses_per_customer: int | None = 1
    exclusive: bool = True
    genres: tuple[str, ...] | None = None
    active: bool = True


class CreateCoupon(ClockedUseCase):
    """Create a coupon (§13).

    - Only an admin may.
    - The code is 3 to 32 of A-Z, 0-9 and -, stored upper-case; a code taken in any case is
      refused (`DuplicateCoupon`).
    """

    def __call__(self, command: CreateCouponCommand) -> Coupon:
        require_admin(command.actor)
        coupon = Coupon(
            code=check_code(command.code),
            kind=command.kind,
            value=coupon_value(command.kind, command.value),
            created_at=self._clock.now(),
            min_subtotal=_money(command.min_subtotal),
            starts_at=command.starts_at,
            ends_at=command.ends_at,
            max_uses=command.max_uses,
            max_uses_per_customer=command.max_uses_per_customer,
            exclusive=command.exclusive,
            genres=_genres(command.genres),
            active=command.active,
        )
        with self._uow() as uow:
            uow.coupons.add(coupon)
            uow.commit()
        return coupon


def _money(raw: str | int | Decimal | None) -> Money | None:
    return None if raw is None else Money.parse(raw, "min_subtotal")


def _genres(raw: tuple[str, ...] | None) -> tuple[str, ...] | None:
    return None if raw is None else tuple(genre.strip() for genre in raw)
