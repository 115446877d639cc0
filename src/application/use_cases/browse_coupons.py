from __future__ import annotations

from dataclasses import dataclass, field

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.coupon import Coupon, coupon_code
from bookstore.domain.errors import CouponNotFound
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class ListCouponsCommand:
    actor: Actor
    page: PageRequest = field(default_factory=PageRequest)
    active: bool | None = None
    """True or False keeps only active or inactive coupons; None: all."""


class ListCoupons(StorageUseCase):
    """Every coupon, newest first, for an admin."""

    def __call__(self, command: ListCouponsCommand) -> Page[Coupon]:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            return uow.coupons.list(command.active, command.page)


@dataclass(frozen=True, slots=True)
class GetCouponCommand:
    actor: Actor
    code: str
    """Matched case-insensitively."""


class GetCoupon(StorageUseCase):
    """One coupon, by code, for an admin."""

    def __call__(self, command: GetCouponCommand) -> Coupon:
        require_admin(command.actor)
        code = coupon_code(command.code)
        with self._uow(read_only=True) as uow:
            coupon = uow.coupons.get(code) if code is not None else None
        if coupon is None:
            raise CouponNotFound(command.code)
        return coupon
