from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from bookstore.application.authorization import require_admin
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.book import UNSET, Unset
from bookstore.domain.coupon import Coupon, CouponKind, coupon_code, coupon_value
from bookstore.domain.errors import CouponNotFound
from bookstore.domain.money import Money
from bookstore.domain.user import Actor

Amount = str | int | Decimal


@dataclass(frozen=True, slots=True)
class CouponChanges:
    """A partial update: fields left UNSET keep their value; None clears a nullable one."""

    kind: CouponKind | Unset = UNSET
    value: Amount | Unset = UNSET
    min_subtotal: Amount | Unset | None = UNSET
    starts_at: datetime | Unset | None = UNSET
    ends_at: datetime | Unset | None = UNSET
    max_uses: int | Unset | None = UNSET
    max_uses_per_customer: int | Unset | None = UNSET
    exclusive: bool | Unset = UNSET
    genres: tuple[str, ...] | Unset | None = UNSET
    active: bool | Unset = UNSET

    def applied_to(self, coupon: Coupon) -> Coupon:
        """The coupon changed, checked as a new one is (`InvalidInput`)."""
        given: dict[str, Any] = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if getattr(self, name) is not UNSET
        }
        kind = given.get("kind", coupon.kind)
        if "value" in given:
            given["value"] = coupon_value(kind, given["value"])
        if given.get("min_subtotal") is not None:
            given["min_subtotal"] = Money.parse(given["min_subtotal"], "min_subtotal")
        if given.get("genres") is not None:
            given["genres"] = tuple(genre.strip() for genre in given["genres"])
        return replace(coupon, **given)


@dataclass(frozen=True, slots=True)
class UpdateCouponCommand:
    actor: Actor
    code: str
    changes: CouponChanges


class UpdateCoupon(StorageUseCase):
    """Change some of a coupon's rules (not its code, nor its uses); only an admin may.
    Carts see the change at once; orders placed before keep their discounts."""

    def __call__(self, command: UpdateCouponCommand) -> Coupon:
        require_admin(command.actor)
        code = coupon_code(command.code)
        with self._uow() as uow:
            current = uow.coupons.lock([code]).get(code) if code is not None else None
            if current is None:
                raise CouponNotFound(command.code)
            coupon = command.changes.applied_to(current)
            uow.coupons.update(coupon)
            uow.commit()
        return coupon


@dataclass(frozen=True, slots=True)
class DeactivateCouponCommand:
    actor: Actor
    code: str


class DeactivateCoupon:
    """Deactivate a coupon (DELETE): no cart or order may use it any more, but orders that
    used it keep it, and its uses stay counted."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._update = UpdateCoupon(uow)

    def __call__(self, command: DeactivateCouponCommand) -> Coupon:
        changes = CouponChanges(active=False)
        return self._update(UpdateCouponCommand(command.actor, command.code, changes))
