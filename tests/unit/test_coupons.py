"""Coupons through the use cases (§13): an admin's coupons, a cart's coupons, the cart as a
quote with its notices, and coupons at checkout and at cancellation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bookstore.application.cart_quote import (
    BookUnavailable,
    CartView,
    CouponStopped,
    PriceChanged,
    StockShort,
)
from bookstore.application.use_cases import (
    CancelOrderCommand,
    PlaceOrderCommand,
    RemoveBookCommand,
    UpdateBookCommand,
)
from bookstore.application.use_cases.apply_coupon import ApplyCouponCommand
from bookstore.application.use_cases.browse_coupons import GetCouponCommand, ListCouponsCommand
from bookstore.application.use_cases.remove_coupon import RemoveCouponCommand
from bookstore.application.use_cases.update_coupon import (
    CouponChanges,
    DeactivateCouponCommand,
    UpdateCouponCommand,
)
from bookstore.domain.book import Book, BookChanges
from bookstore.domain.coupon import CouponKind, NotApplicable
from bookstore.domain.errors import (
    CouponNotApplicable,
    CouponNotFound,
    CouponNotInCart,
    CouponStoppedApplying,
    DuplicateCoupon,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    QuoteChanged,
)
from bookstore.domain.money import Money
from bookstore.domain.order import OrderCoupon
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor

from .support import Shop


def apply(shop: Shop, actor: Actor, code: str) -> CartView:
    return shop.app.apply_coupon()(ApplyCouponCommand(actor, code))


def refused_reason(shop: Shop, actor: Actor, code: str) -> str:
    with pytest.raises(CouponNotApplicable) as refused:
        apply(shop, actor, code)
    return refused.value.reason


def times_used(shop: Shop, code: str) -> int:
    return shop.app.get_coupon()(GetCouponCommand(shop.root, code)).times_used


def change(shop: Shop, code: str, **changes: Any) -> None:
    shop.app.update_coupon()(UpdateCouponCommand(shop.root, code, CouponChanges(**changes)))


# An admin's coupons


def test_an_admin_creates_a_coupon_stored_upper_case(shop: Shop) -> None:
    coupon = shop.coupon("summer-10", value="10")
    assert (coupon.code, coupon.kind, coupon.value, coupon.times_used) == (
        "SUMMER-10",
        "percent",
        10,
        0,
    )
    assert (coupon.max_uses_per_customer, coupon.exclusive, coupon.active) == (1, True, True)
    assert shop.app.get_coupon()(GetCouponCommand(shop.root, "Summer-10")) == coupon


def test_a_code_taken_in_any_case_is_a_duplicate(shop: Shop) -> None:
    shop.coupon("WELCOME")
    with pytest.raises(DuplicateCoupon):
        shop.coupon("welcome")


def test_a_customer_may_not_manage_coupons(shop: Shop, ada: Actor) -> None:
    shop.coupon("WELCOME")
    with pytest.raises(Forbidden):
        shop.app.list_coupons()(ListCouponsCommand(ada))
    with pytest.raises(Forbidden):
        shop.app.deactivate_coupon()(DeactivateCouponCommand(ada, "WELCOME"))


def test_listing_filters_active_coupons_newest_first(shop: Shop) -> None:
    shop.coupon("FIRST")
    shop.clock.advance(timedelta(seconds=1))
    shop.coupon("SECOND")
    shop.app.deactivate_coupon()(DeactivateCouponCommand(shop.root, "first"))
    every = shop.app.list_coupons()(ListCouponsCommand(shop.root, PageRequest(1, 10)))
    active = shop.app.list_coupons()(ListCouponsCommand(shop.root, PageRequest(1, 10), True))
    assert [c.code for c in every.items] == ["SECOND", "FIRST"]
    assert ([c.code for c in active.items], active.total) == (["SECOND"], 1)


def test_an_update_changes_the_fields_given_and_checks_them(shop: Shop) -> None:
    shop.coupon("FIVE")
    change(shop, "five", kind=CouponKind.FIXED, value="5.00", genres=("Poetry",))
    coupon = shop.app.get_coupon()(GetCouponCommand(shop.root, "FIVE"))
    assert (coupon.kind, coupon.amount, coupon.genres) == (
        CouponKind.FIXED,
        Money(500),
        ("Poetry",),
    )
    with pytest.raises(InvalidInput):
        change(shop, "FIVE", kind=CouponKind.PERCENT, value=150)
    with pytest.raises(CouponNotFound):
        change(shop, "NOPE", active=False)


# A cart's coupons


def test_a_coupon_in_the_cart_discounts_it(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.fill_cart(ada, (dune, 2))
    shop.coupon("TEN", value=10)
    cart = apply(shop, ada, "ten")
    assert [(c.code, c.discount) for c in cart.coupons] == [("TEN", Money(200))]
    assert (cart.subtotal, cart.discount, cart.total) == (Money(1998), Money(200), Money(1798))
    assert shop.app.view_cart()(ada) == cart


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        ({"active": False}, "inactive"),
        ({"starts_at": "later"}, "not_started"),
        ({"ends_at": "now"}, "expired"),
        ({"genres": ("Poetry",)}, "no_eligible_items"),
        ({"min_subtotal": "100.00"}, "min_subtotal"),
    ],
)
def test_a_coupon_that_does_not_apply_is_refused_and_the_cart_unchanged(
    shop: Shop, ada: Actor, dune: Book, rules: dict[str, Any], reason: str
) -> None:
    moments = {"later": shop.clock.now() + timedelta(days=1), "now": shop.clock.now()}
    rules = {k: moments.get(v, v) if isinstance(v, str) else v for k, v in rules.items()}
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("NOPE", **rules)
    before = shop.app.view_cart()(ada)
    assert refused_reason(shop, ada, "nope") == reason
    assert shop.app.view_cart()(ada) == before


def test_unknown_and_impossible_codes_are_unknown(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.fill_cart(ada, (dune, 1))
    assert refused_reason(shop, ada, "NO-SUCH-CODE") == "unknown"
    assert refused_reason(shop, ada, "not a code!") == "unknown"


def test_an_empty_cart_has_no_eligible_items(shop: Shop, ada: Actor) -> None:
    shop.coupon("TEN")
    assert refused_reason(shop, ada, "TEN") == "no_eligible_items"


def test_used_up_and_already_used_coupons_are_refused(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.coupon("ONCE", max_uses=1)
    shop.coupon("MINE", max_uses_per_customer=1)
    bob = shop.customer()
    shop.fill_cart(bob, (dune, 1))
    apply(shop, bob, "ONCE")
    shop.app.place_order()(PlaceOrderCommand(bob))
    shop.fill_cart(bob, (dune, 1))
    apply(shop, bob, "MINE")
    shop.app.place_order()(PlaceOrderCommand(bob))
    shop.fill_cart(ada, (dune, 1))
    shop.fill_cart(bob, (dune, 1))
    assert refused_reason(shop, ada, "ONCE") == "used_up"
    assert refused_reason(shop, bob, "MINE") == "already_used"
    apply(shop, ada, "MINE")  # another customer's uses are their own


def test_an_exclusive_coupon_is_alone_in_a_cart(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("ALONE")
    shop.coupon("SHARED", exclusive=False)
    shop.coupon("ALSO", exclusive=False)
    apply(shop, ada, "SHARED")
    assert refused_reason(shop, ada, "ALONE") == "exclusive_conflict"
    assert [c.code for c in apply(shop, ada, "ALSO").coupons] == ["SHARED", "ALSO"]


def test_removing_a_coupon_from_the_cart(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("TEN")
    apply(shop, ada, "TEN")
    cart = shop.app.remove_coupon()(RemoveCouponCommand(ada, "ten"))
    assert (cart.coupons, cart.discount) == ((), Money(0))
    with pytest.raises(CouponNotInCart):
        shop.app.remove_coupon()(RemoveCouponCommand(ada, "TEN"))


def test_emptying_the_cart_removes_its_coupons(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("TEN", exclusive=False)
    apply(shop, ada, "TEN")
    shop.app.clear_cart()(ada)
    shop.fill_cart(ada, (dune, 1))
    assert shop.app.view_cart()(ada).coupons == ()


# The cart as a quote


def test_the_cart_tells_of_a_price_changed_since_the_line_was_set(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    shop.fill_cart(ada, (dune, 1))
    update = UpdateBookCommand(shop.root, dune.id, BookChanges(price="12.50"))
    shop.app.update_book()(update)
    assert shop.app.view_cart()(ada).notices == (PriceChanged(dune.id, Money(999), Money(1250)),)
    shop.fill_cart(ada, (dune, 1))  # added again: quoted at today's price
    assert shop.app.view_cart()(ada).notices == ()


def test_the_cart_tells_of_a_stock_shortfall(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.fill_cart(ada, (dune, 4))
    shop.order(shop.customer(), (dune, 3))
    assert shop.app.view_cart()(ada).notices == (StockShort(dune.id, 4, 2),)


def test_a_book_that_left_the_catalogue_is_told_until_the_cart_changes(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    shop.fill_cart(ada, (dune, 1), (emma, 1))
    shop.app.remove_book()(RemoveBookCommand(shop.root, dune.id))
    cart = shop.app.view_cart()(ada)
    assert ([line.book_id for line in cart.lines], cart.notices) == (
        [emma.id],
        (BookUnavailable(dune.id),),
    )
    shop.fill_cart(ada, (emma, 1))
    assert shop.app.view_cart()(ada).notices == ()


def test_a_coupon_that_stopped_applying_stays_with_nothing_off(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("TEN", ends_at=shop.clock.now() + timedelta(hours=1))
    apply(shop, ada, "TEN")
    shop.clock.advance(timedelta(hours=2))
    cart = shop.app.view_cart()(ada)
    assert [(c.code, c.discount) for c in cart.coupons] == [("TEN", Money(0))]
    assert cart.notices == (CouponStopped("TEN", NotApplicable.EXPIRED),)


# Checkout and cancellation


def test_an_order_carries_its_coupons_and_takes_their_uses(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    shop.fill_cart(ada, (dune, 1), (emma, 2))
    shop.coupon("FIVE", kind=CouponKind.FIXED, value="5.00", exclusive=False)
    shop.coupon("HALF", value=50, exclusive=False)
    apply(shop, ada, "FIVE")
    quote = apply(shop, ada, "HALF")
    order = shop.app.place_order()(PlaceOrderCommand(ada, expected_total=quote.total))
    assert order.coupons == (OrderCoupon("FIVE", Money(500)), OrderCoupon("HALF", Money(950)))
    assert (order.subtotal, order.discount, order.total) == (Money(1899), Money(1450), Money(449))
    assert [line.unit_price for line in order.lines] == [Money(999), Money(450)]
    assert (times_used(shop, "FIVE"), times_used(shop, "HALF")) == (1, 1)
    assert shop.app.view_cart()(ada).coupons == ()


def test_a_coupon_that_no_longer_applies_refuses_the_order_and_changes_nothing(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("LAST", max_uses=1, max_uses_per_customer=None)
    apply(shop, ada, "LAST")
    bob = shop.customer()
    shop.fill_cart(bob, (dune, 1))
    apply(shop, bob, "LAST")
    shop.app.place_order()(PlaceOrderCommand(bob))
    with pytest.raises(CouponStoppedApplying) as refused:
        shop.app.place_order()(PlaceOrderCommand(ada))
    assert (refused.value.coupon_code, refused.value.reason) == ("LAST", "used_up")
    assert (times_used(shop, "LAST"), shop.stock_of(dune.id), shop.order_count()) == (1, 4, 1)
    assert [c.code for c in shop.app.view_cart()(ada).coupons] == ["LAST"]


def test_an_unexpected_total_refuses_the_order_and_changes_nothing(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("TEN")
    apply(shop, ada, "TEN")
    with pytest.raises(QuoteChanged) as refused:
        shop.app.place_order()(PlaceOrderCommand(ada, expected_total=Money(999)))
    assert (refused.value.expected_total, refused.value.total) == ("9.99", "8.99")
    assert (times_used(shop, "TEN"), shop.stock_of(dune.id), shop.order_count()) == (0, 5, 0)


def test_cancelling_gives_the_uses_back_once(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.coupon("ONCE", max_uses=1)
    shop.fill_cart(ada, (dune, 1))
    apply(shop, ada, "ONCE")
    order = shop.app.place_order()(PlaceOrderCommand(ada))
    shop.app.cancel_order()(CancelOrderCommand(ada, order.id))
    assert times_used(shop, "ONCE") == 0
    shop.fill_cart(ada, (dune, 1))
    apply(shop, ada, "ONCE")  # the customer's use is back too
    shop.app.place_order()(PlaceOrderCommand(ada))
    assert times_used(shop, "ONCE") == 1
    with pytest.raises(InvalidTransition):
        shop.app.cancel_order()(CancelOrderCommand(ada, order.id))
    assert times_used(shop, "ONCE") == 1


def test_a_deactivated_coupon_stays_on_past_orders(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.coupon("TEN")
    apply(shop, ada, "TEN")
    order = shop.app.place_order()(PlaceOrderCommand(ada))
    shop.app.deactivate_coupon()(DeactivateCouponCommand(shop.root, "TEN"))
    assert shop.storage.state.orders[order.id].coupons == (OrderCoupon("TEN", Money(100)),)
