"""Coupons in memory, with the SQL adapter's semantics: conditional uses, counted per order."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from uuid import UUID

from bookstore.adapters.memory.state import MemoryRepository
from bookstore.domain.coupon import Coupon
from bookstore.domain.errors import DuplicateCoupon
from bookstore.domain.order import OrderStatus
from bookstore.domain.pagination import Page, PageRequest


class MemoryCouponRepository(MemoryRepository):
    def add(self, coupon: Coupon) -> None:
        if coupon.code in self._state.coupons:
            raise DuplicateCoupon(coupon.code)
        self._state.coupons[coupon.code] = coupon

    def get(self, code: str) -> Coupon | None:
        return self._state.coupons.get(code)

    def get_many(self, codes: Collection[str]) -> dict[str, Coupon]:
        return {c: coupon for c in codes if (coupon := self._state.coupons.get(c)) is not None}

    def lock(self, codes: Collection[str]) -> dict[str, Coupon]:
        # A write transaction holds the store's write lock already.
        return self.get_many(sorted(codes))

    def update(self, coupon: Coupon) -> bool:
        current = self._state.coupons.get(coupon.code)
        if current is None:
            return False
        self._state.coupons[coupon.code] = replace(coupon, times_used=current.times_used)
        return True

    def list(self, active: bool | None, page: PageRequest) -> Page[Coupon]:
        coupons = [c for c in self._state.coupons.values() if active in (None, c.active)]
        coupons.sort(key=lambda c: (c.created_at, c.code), reverse=True)
        return Page.window(coupons, page)

    def uses_by(self, user_id: UUID, codes: Collection[str]) -> dict[str, int]:
        uses = dict.fromkeys(codes, 0)
        for order in self._state.orders.values():
            if order.user_id != user_id or order.status is OrderStatus.CANCELLED:
                continue
            for coupon in order.coupons:
                if coupon.code in uses:
                    uses[coupon.code] += 1
        return uses

    def take_use(self, code: str) -> bool:
        coupon = self._state.coupons.get(code)
        if coupon is None or not coupon.active:
            return False
        if coupon.max_uses is not None and coupon.times_used >= coupon.max_uses:
            return False
        self._state.coupons[code] = replace(coupon, times_used=coupon.times_used + 1)
        return True

    def give_back(self, codes: Sequence[str]) -> None:
        for code in codes:
            coupon = self._state.coupons.get(code)
            if coupon is not None and coupon.times_used > 0:
                self._state.coupons[code] = replace(coupon, times_used=coupon.times_used - 1)
