"""Stock invariants under any sequence of shopping and catalogue edits.

Several customers and admins share one in-memory bookstore (the real container). Admins add,
edit, restock, set the stock of, adjust and remove books, and move orders along their life;
everyone fills, changes and clears carts, places orders and cancels their own. A plain model
predicts every outcome, and after every step:

- no book's stock is negative;
- each book's stock = initial + restocked + adjustments - copies in orders + copies returned
  by cancellations;
- each book's stock = the sum of its movements (removed books too), and the copies sold minus
  the copies returned by cancellations = minus the sum of its order and cancellation movements;
- every order's status history is a path in §10's table, ending in its status, and the one
  the model predicts (a refused transition changed nothing);
- carts hold what the model says (a refused change, or a failed order, changed nothing);
- every order's subtotal is the sum of its lines, its total the subtotal less its coupons'
  discount (never below zero), and its lines keep the title and price of the moment it was
  placed, whatever the admins did since;
- coupons (§13): no coupon is used more than its `max_uses`, nor by a customer more than its
  `max_uses_per_customer`; a coupon's uses are the orders not cancelled that carry it (a
  cancellation gives back exactly its order's uses), and the model predicts every refusal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from bookstore.application.use_cases import (
    AddBookCommand,
    AddToCartCommand,
    AdjustStockCommand,
    CancelOrderCommand,
    ChangeOrderStatusCommand,
    GetOrderCommand,
    PlaceOrderCommand,
    RemoveBookCommand,
    RemoveFromCartCommand,
    RestockBookCommand,
    SetCartQuantityCommand,
    UpdateBookCommand,
)
from bookstore.application.use_cases.apply_coupon import ApplyCouponCommand
from bookstore.application.use_cases.pay_order import PayOrderCommand
from bookstore.application.use_cases.remove_coupon import RemoveCouponCommand
from bookstore.domain.book import UNSET, BookChanges, BookDetails
from bookstore.domain.errors import (
    BookNotFound,
    CartLimitExceeded,
    CartLineNotFound,
    CouponNotApplicable,
    CouponNotInCart,
    CouponStoppedApplying,
    DomainError,
    EmptyCart,
    Forbidden,
    InsufficientStock,
    InvalidTransition,
    OrderNotFound,
)
from bookstore.domain.inventory import MovementReason
from bookstore.domain.money import Money, total_of
from bookstore.domain.order import OrderLine, OrderStatus
from bookstore.domain.order_status import NEXT_STATUSES, is_lawful_path, may_move
from bookstore.domain.payment import (
    OrderPaymentStatus,
    PaymentDeclined,
    PaymentInProgress,
    PaymentStatus,
)
from bookstore.domain.user import Actor

from .support import Shop

LINE_LIMIT = 6
DISTINCT_LIMIT = 3
CUSTOMERS = 3
ADMINS = 2
TITLES = ["Dune", "Emma", "Ulysses", "Beloved", "Middlemarch", "Kindred"]

admins = st.integers(0, ADMINS - 1)
shoppers = st.integers(0, CUSTOMERS + ADMINS - 1)  # an admin can shop like anyone else
customers = st.integers(0, CUSTOMERS - 1)
prices = st.integers(1, 5_000).map(Money)
titles = st.sampled_from(TITLES)
COUPONS = {"FEW": {"max_uses": 2, "max_uses_per_customer": None}, "ONCE": {}, "HALF": {}}
"""Non-exclusive percent coupons: FEW has two uses in all; ONCE and HALF one per customer."""
codes = st.sampled_from(sorted(COUPONS))


@dataclass
class BookModel:
    title: str
    price: Money
    initial: int
    restocked: int = 0
    adjusted: int = 0
    sold: int = 0
    returned: int = 0
    removed: bool = False

    @property
    def stock(self) -> int:
        return self.initial + self.restocked + self.adjusted - self.sold + self.returned


@dataclass
class OrderModel:
    user_id: UUID
    lines: tuple[OrderLine, ...]
    path: list[OrderStatus]
    coupons: tuple[str, ...] = ()

    @property
    def status(self) -> OrderStatus:
        return self.path[-1]


class StockMachine(RuleBasedStateMachine):
    books = Bundle("books")

    def __init__(self) -> None:
        super().__init__()
        self.shop = Shop.open(max_line_quantity=LINE_LIMIT, max_cart_books=DISTINCT_LIMIT)
        self.customers = [self.shop.customer() for _ in range(CUSTOMERS)]
        self.admins = [self.shop.admin() for _ in range(ADMINS)]
        self.shoppers = self.customers + self.admins
        self.model: dict[int, BookModel] = {}
        self.carts: dict[UUID, dict[int, int]] = {s.user_id: {} for s in self.shoppers}
        self.orders: dict[UUID, OrderModel] = {}
        for code, limits in COUPONS.items():
            value = 50 if code == "HALF" else 10
            self.shop.coupon(code, value=value, exclusive=False, **limits)
        self.cart_coupons: dict[UUID, list[str]] = {s.user_id: [] for s in self.shoppers}

    # Catalogue

    def _add(self, admin: Actor, title: str, price: Money, stock: int) -> int:
        details = BookDetails.parse(
            title=title, author="Author", genre="Fiction", price=str(price), stock=stock
        )
        book = self.shop.app.add_book()(AddBookCommand(admin, details))
        self.model[book.id] = BookModel(title, price, initial=stock)
        return book.id

    @initialize(target=books, stocks=st.lists(st.integers(0, 6), min_size=2, max_size=3))
    def stock_the_shelves(self, stocks: list[int]) -> object:
        return multiple(
            *(self._add(self.admins[0], TITLES[i], Money(999), s) for i, s in enumerate(stocks))
        )

    @rule(target=books, admin=admins, title=titles, price=prices, stock=st.integers(0, 8))
    def admin_adds_a_book(self, admin: int, title: str, price: Money, stock: int) -> int:
        return self._add(self.admins[admin], title, price, stock)

    @rule(admin=admins, book=books, title=st.none() | titles, price=st.none() | prices)
    def admin_edits_title_and_price(
        self, admin: int, book: int, title: str | None, price: Money | None
    ) -> None:
        changes = BookChanges(
            title=UNSET if title is None else title,
            price=UNSET if price is None else str(price),
        )
        command = UpdateBookCommand(self.admins[admin], book, changes)
        if self._changed(book, lambda: self.shop.app.update_book()(command)):
            model = self.model[book]
            model.title = model.title if title is None else title
            model.price = model.price if price is None else price

    @rule(admin=admins, book=books, stock=st.integers(0, 6))
    def admin_sets_the_stock(self, admin: int, book: int, stock: int) -> None:
        command = UpdateBookCommand(self.admins[admin], book, BookChanges(stock=stock))
        before = self.model[book].stock
        if self._changed(book, lambda: self.shop.app.update_book()(command)):
            self.model[book].adjusted += stock - before

    @rule(admin=admins, counts=st.lists(st.integers(0, 3), min_size=1, max_size=6))
    def admin_takes_stock_of_the_shelves(self, admin: int, counts: list[int]) -> None:
        """A stocktake: set the stock of the live books, in id order, to the counts found."""
        live = [book for book, model in sorted(self.model.items()) if not model.removed]
        for book, count in zip(live, counts, strict=False):
            self.admin_sets_the_stock(admin, book, count)

    @rule(admin=admins, book=books, quantity=st.integers(1, 5))
    def admin_restocks(self, admin: int, book: int, quantity: int) -> None:
        command = RestockBookCommand(self.admins[admin], book, quantity)
        if self._changed(book, lambda: self.shop.app.restock_book()(command)):
            self.model[book].restocked += quantity

    @rule(admin=admins, book=books)
    def admin_removes_a_book(self, admin: int, book: int) -> None:
        command = RemoveBookCommand(self.admins[admin], book)
        if self._changed(book, lambda: self.shop.app.remove_book()(command)):
            self.model[book].removed = True
            for cart in self.carts.values():
                cart.pop(book, None)

    def _changed(self, book: int, change: Callable[[], object]) -> bool:
        """Run an admin's change to a book: False, once refused as not found, if it is gone."""
        if self.model[book].removed:
            with pytest.raises(BookNotFound):
                change()
            return False
        change()
        return True

    @rule(customer=customers, book=books)
    def a_customer_tries_to_restock(self, customer: int, book: int) -> None:
        before = self.shop.storage.state
        with pytest.raises(Forbidden):
            self.shop.app.restock_book()(RestockBookCommand(self.customers[customer], book, 1))
        assert self.shop.storage.state is before

    # Carts

    def _expected_line_change(self, cart: dict[int, int], book: int, quantity: int) -> type | None:
        """The error a cart line change should meet, in the order the rules apply."""
        model = self.model[book]
        if model.removed:
            return BookNotFound
        if quantity == 0:
            return None
        if quantity > LINE_LIMIT or (book not in cart and len(cart) >= DISTINCT_LIMIT):
            return CartLimitExceeded
        if quantity > model.stock:
            return InsufficientStock
        return None

    def _change_line(self, who: int, book: int, quantity: int, call: Callable[[], object]) -> None:
        cart = self.carts[self.shoppers[who].user_id]
        expected = self._expected_line_change(cart, book, quantity)
        event(f"cart change: {expected.__name__ if expected else 'accepted'}")
        if expected is not None:
            with pytest.raises(DomainError) as refused:
                call()
            assert type(refused.value) is expected, refused.value
            return
        call()
        if quantity == 0:
            cart.pop(book, None)
        else:
            cart[book] = quantity

    @rule(who=shoppers, book=books, quantity=st.integers(1, 4))
    def add_to_cart(self, who: int, book: int, quantity: int) -> None:
        actor = self.shoppers[who]
        new_quantity = self.carts[actor.user_id].get(book, 0) + quantity
        command = AddToCartCommand(actor, book, quantity)
        self._change_line(who, book, new_quantity, lambda: self.shop.app.add_to_cart()(command))

    @rule(who=shoppers, book=books, quantity=st.integers(0, LINE_LIMIT + 1))
    def set_quantity(self, who: int, book: int, quantity: int) -> None:
        command = SetCartQuantityCommand(self.shoppers[who], book, quantity)
        self._change_line(who, book, quantity, lambda: self.shop.app.set_cart_quantity()(command))

    @rule(who=shoppers, book=books)
    def remove_a_line(self, who: int, book: int) -> None:
        actor = self.shoppers[who]
        cart = self.carts[actor.user_id]
        remove = self.shop.app.remove_from_cart()
        if book not in cart:
            with pytest.raises(CartLineNotFound):
                remove(RemoveFromCartCommand(actor, book))
            return
        remove(RemoveFromCartCommand(actor, book))
        del cart[book]

    @rule(who=shoppers)
    def clear_the_cart(self, who: int) -> None:
        actor = self.shoppers[who]
        self.shop.app.clear_cart()(actor)
        self.carts[actor.user_id].clear()
        self.cart_coupons[actor.user_id].clear()

    # Orders

    @rule(who=shoppers)
    def place_an_order(self, who: int) -> None:
        actor = self.shoppers[who]
        cart = self.carts[actor.user_id]
        short = [
            (book, quantity, self.model[book].stock)
            for book, quantity in cart.items()
            if quantity > self.model[book].stock
        ]
        before = self._stored()
        stopped = self._first_stopped(actor.user_id, self.cart_coupons[actor.user_id])
        if cart and not short and stopped is not None:
            event(f"order refused: coupon {stopped[1]}")
            with pytest.raises(CouponStoppedApplying) as refused_coupon:
                self.shop.app.place_order()(PlaceOrderCommand(actor))
            assert (refused_coupon.value.coupon_code, refused_coupon.value.reason) == stopped
            assert self._stored() == before, "a refused order changed something"
            return
        if not cart or short:
            event("order refused: " + ("short stock" if cart else "empty cart"))
            with pytest.raises((EmptyCart, InsufficientStock)) as refused:
                self.shop.app.place_order()(PlaceOrderCommand(actor))
            if cart:
                assert isinstance(refused.value, InsufficientStock)
                reported = [(s.book_id, s.requested, s.available) for s in refused.value.shortages]
                assert reported == short
                assert [s.title for s in refused.value.shortages] == [
                    self.model[b].title for b, _, _ in short
                ]
            else:
                assert isinstance(refused.value, EmptyCart)
            assert self._stored() == before, "a failed order changed something"
            return
        event("order placed" + (" with coupons" if self.cart_coupons[actor.user_id] else ""))
        order = self.shop.app.place_order()(PlaceOrderCommand(actor))
        expected = tuple(
            OrderLine(book, self.model[book].title, self.model[book].price, quantity)
            for book, quantity in cart.items()
        )
        assert order.lines == expected
        assert [c.code for c in order.coupons] == self.cart_coupons[actor.user_id]
        assert order.user_id == actor.user_id
        assert self.shop.app.view_cart()(actor).lines == ()
        assert self.shop.app.get_order()(GetOrderCommand(actor, order.id)) == order
        for book, quantity in cart.items():
            self.model[book].sold += quantity
        cart.clear()
        coupons = tuple(self.cart_coupons[actor.user_id])
        self.cart_coupons[actor.user_id].clear()
        self.orders[order.id] = OrderModel(actor.user_id, expected, [OrderStatus.PLACED], coupons)

    @rule(who=shoppers, book=books, quantity=st.integers(1, 3))
    def add_to_cart_and_order_at_once(self, who: int, book: int, quantity: int) -> None:
        self.add_to_cart(who, book, quantity)
        self.place_an_order(who)

    # Coupons (§13)

    def _uses(self, code: str, user_id: UUID | None = None) -> int:
        """The orders not cancelled that carry the coupon (the customer's, when given)."""
        return sum(
            code in model.coupons
            for model in self.orders.values()
            if model.status is not OrderStatus.CANCELLED
            and (user_id is None or model.user_id == user_id)
        )

    def _first_stopped(self, user_id: UUID, coupons: list[str]) -> tuple[str, str] | None:
        """The first coupon (and why) that the customer's uses or everyone's stop."""
        for code in coupons:
            limits = {"max_uses": None, "max_uses_per_customer": 1} | COUPONS[code]
            most, per_customer = limits["max_uses"], limits["max_uses_per_customer"]
            if most is not None and self._uses(code) >= most:
                return code, "used_up"
            if per_customer is not None and self._uses(code, user_id) >= per_customer:
                return code, "already_used"
        return None

    @rule(who=shoppers, code=codes)
    def apply_a_coupon(self, who: int, code: str) -> None:
        actor = self.shoppers[who]
        stopped = self._first_stopped(actor.user_id, [code])
        reason = (
            stopped[1] if stopped else None if self.carts[actor.user_id] else "no_eligible_items"
        )
        before = self._stored()
        if reason is not None:
            event(f"coupon refused: {reason}")
            with pytest.raises(CouponNotApplicable) as refused:
                self.shop.app.apply_coupon()(ApplyCouponCommand(actor, code.lower()))
            assert refused.value.reason == reason
            assert self._stored() == before, "a refused coupon changed something"
            return
        event("coupon applied")
        self.shop.app.apply_coupon()(ApplyCouponCommand(actor, code.lower()))
        if code not in self.cart_coupons[actor.user_id]:
            self.cart_coupons[actor.user_id].append(code)

    @rule(who=shoppers, book=books, code=codes)
    def shop_with_a_coupon_and_order(self, who: int, book: int, code: str) -> None:
        self.add_to_cart(who, book, 1)
        self.apply_a_coupon(who, code)
        self.place_an_order(who)

    @rule(who=shoppers, code=codes)
    def remove_a_coupon(self, who: int, code: str) -> None:
        actor = self.shoppers[who]
        if code not in self.cart_coupons[actor.user_id]:
            with pytest.raises(CouponNotInCart):
                self.shop.app.remove_coupon()(RemoveCouponCommand(actor, code))
            return
        self.shop.app.remove_coupon()(RemoveCouponCommand(actor, code))
        self.cart_coupons[actor.user_id].remove(code)

    # The order's life

    def _pick_order(self, pick: int, owner: UUID | None = None) -> UUID | None:
        candidates = [o for o, m in self.orders.items() if owner is None or m.user_id == owner]
        return candidates[pick % len(candidates)] if candidates else None

    def _transition(self, order_id: UUID, to: OrderStatus, call: Callable[[], object]) -> None:
        """Run a transition the model checks against §10's table: refused with from and to,
        changing nothing, or applied (a cancellation giving every line's copies back)."""
        model = self.orders[order_id]
        before = self.shop.storage.state
        if not may_move(model.status, to):
            event(f"transition refused: {model.status} -> {to}")
            with pytest.raises(InvalidTransition) as refused:
                call()
            assert (refused.value.from_status, refused.value.to_status) == (model.status, to)
            assert self.shop.storage.state is before, "a refused transition changed something"
            return
        event(f"transition: {model.status} -> {to}")
        call()
        model.path.append(to)
        if to is OrderStatus.CANCELLED:
            for line in model.lines:
                self.model[line.book_id].returned += line.quantity

    @rule(
        who=shoppers,
        pick=st.integers(0, 99),
        reason=st.sampled_from([None, "", " changed my mind "]),
    )
    def cancel_own_order(self, who: int, pick: int, reason: str | None) -> None:
        actor = self.shoppers[who]
        order_id = self._pick_order(pick, actor.user_id)
        if order_id is not None:
            command = CancelOrderCommand(actor, order_id, reason)
            self._transition(
                order_id, OrderStatus.CANCELLED, lambda: self.shop.app.cancel_order()(command)
            )

    @rule(customer=customers, pick=st.integers(0, 99))
    def cancel_someone_elses_order(self, customer: int, pick: int) -> None:
        actor = self.customers[customer]
        others = [o for o, m in self.orders.items() if m.user_id != actor.user_id]
        if not others:
            return
        before = self.shop.storage.state
        with pytest.raises(OrderNotFound):
            self.shop.app.cancel_order()(CancelOrderCommand(actor, others[pick % len(others)]))
        assert self.shop.storage.state is before

    @rule(admin=admins, pick=st.integers(0, 99), to=st.sampled_from(OrderStatus))
    def admin_moves_an_order(self, admin: int, pick: int, to: OrderStatus) -> None:
        order_id = self._pick_order(pick)
        if order_id is not None:
            command = ChangeOrderStatusCommand(self.admins[admin], order_id, to, note="by hand")
            self._transition(order_id, to, lambda: self.shop.app.change_order_status()(command))

    @rule(admin=admins, pick=st.integers(0, 99), choice=st.integers(0, 1))
    def admin_advances_an_order(self, admin: int, pick: int, choice: int) -> None:
        """A step the table allows, so that orders also get shipped and delivered."""
        order_id = self._pick_order(pick)
        if order_id is None:
            return
        allowed = sorted(NEXT_STATUSES[self.orders[order_id].status])
        if allowed:
            self.admin_moves_an_order(admin, pick, allowed[choice % len(allowed)])

    # Payments (§12) and expiry (§10)

    @rule(
        who=shoppers,
        pick=st.integers(0, 99),
        method=st.sampled_from(
            ["pm_card_visa", "pm_card_declined", "pm_card_async", "pm_card_async_declined"]
        ),
    )
    def pay_own_order(self, who: int, pick: int, method: str) -> None:
        actor = self.shoppers[who]
        order_id = self._pick_order(pick, actor.user_id)
        if order_id is None:
            return
        model = self.orders[order_id]
        stored = self.shop.storage.state.orders[order_id]
        pay = self.shop.app.pay_order()
        before = self.shop.storage.state
        if model.status is not OrderStatus.PLACED:
            event(f"payment refused: {model.status}")
            with pytest.raises(InvalidTransition):
                pay(PayOrderCommand(actor, order_id, method))
            assert self.shop.storage.state is before
            return
        if stored.payment_status is OrderPaymentStatus.PROCESSING:
            with pytest.raises(PaymentInProgress):
                pay(PayOrderCommand(actor, order_id, method))
            return
        event(f"payment: {method}")
        if method == "pm_card_declined":
            with pytest.raises(PaymentDeclined):
                pay(PayOrderCommand(actor, order_id, method))
        else:
            pay(PayOrderCommand(actor, order_id, method))
        self._follow(order_id)

    @rule(minutes=st.sampled_from([0, 1, 30, 61]))
    def time_passes_and_the_worker_runs(self, minutes: int) -> None:
        self.shop.clock.advance(timedelta(minutes=minutes, seconds=3))
        self.shop.app.apply_due_outcomes()()
        expired = self.shop.app.expire_unpaid_orders()()
        if expired:
            event("orders expired")
        for order_id in self.orders:
            self._follow(order_id)

    def _follow(self, order_id: UUID) -> None:
        """Take into the model a move the payment or the system made on its own: it must
        be one step of §10's table, and a cancellation gives every line's copies back."""
        model = self.orders[order_id]
        stored = self.shop.storage.state.orders[order_id]
        if stored.status is model.status:
            return
        assert may_move(model.status, stored.status), (model.status, stored.status)
        assert stored.status in {OrderStatus.PAID, OrderStatus.CANCELLED}
        model.path.append(stored.status)
        if stored.status is OrderStatus.CANCELLED:
            for line in model.lines:
                self.model[line.book_id].returned += line.quantity

    @rule(admin=admins, book=books, delta=st.integers(-6, 6).filter(bool))
    def admin_adjusts_the_stock(self, admin: int, book: int, delta: int) -> None:
        model = self.model[book]
        command = AdjustStockCommand(self.admins[admin], book, delta, "stock count")
        adjust = self.shop.app.adjust_stock()
        before = self.shop.storage.state
        if model.removed or model.stock + delta < 0:
            event("adjustment refused")
            with pytest.raises(BookNotFound if model.removed else InsufficientStock):
                adjust(command)
            assert self.shop.storage.state is before, "a refused adjustment changed something"
            return
        movement = adjust(command)
        assert (movement.delta, movement.reason) == (delta, MovementReason.ADJUSTMENT)
        model.adjusted += delta

    def _stored(self) -> tuple[object, ...]:
        state = self.shop.storage.state
        stocks = {book_id: book.stock for book_id, book in state.books.items()}
        carts = {user: dict(lines) for user, lines in state.carts.items() if lines}
        coupons = {user: list(codes) for user, codes in state.cart_coupons.items() if codes}
        uses = {code: coupon.times_used for code, coupon in state.coupons.items()}
        return stocks, carts, len(state.orders), coupons, uses

    # Invariants

    @invariant()
    def stock_is_never_negative(self) -> None:
        assert all(book.stock >= 0 for book in self.shop.storage.state.books.values())

    @invariant()
    def stock_is_initial_plus_restocked_plus_adjusted_minus_sold_plus_returned(self) -> None:
        state = self.shop.storage.state
        ordered = Counter[int]()
        returned = Counter[int]()
        for order in state.orders.values():
            for line in order.lines:
                ordered[line.book_id] += line.quantity
                if order.status is OrderStatus.CANCELLED:
                    returned[line.book_id] += line.quantity
        live = {book_id for book_id, model in self.model.items() if not model.removed}
        assert set(state.books) == live
        every_book = {**state.removed_books, **state.books}
        for book_id, model in self.model.items():
            stock = every_book[book_id].stock
            assert stock == model.stock
            assert (model.sold, model.returned) == (ordered[book_id], returned[book_id])
            assert stock + ordered[book_id] - returned[book_id] == (
                model.initial + model.restocked + model.adjusted
            )

    @invariant()
    def stock_is_the_sum_of_the_movements(self) -> None:
        state = self.shop.storage.state
        ledger = Counter[int]()
        by_orders = Counter[int]()
        for movement in state.movements:
            ledger[movement.book_id] += movement.delta
            if movement.reason in (MovementReason.ORDER, MovementReason.CANCELLATION):
                by_orders[movement.book_id] += movement.delta
        every_book = {**state.removed_books, **state.books}
        for book_id, book in every_book.items():
            model = self.model[book_id]
            assert book.stock == ledger[book_id]
            assert model.sold - model.returned == -by_orders[book_id]
        assert [m.id for m in state.movements] == list(range(1, len(state.movements) + 1))

    @invariant()
    def every_history_is_a_path_of_the_table(self) -> None:
        stored = self.shop.storage.state.orders
        for order_id, model in self.orders.items():
            order = stored[order_id]
            statuses = [entry.status for entry in order.status_history]
            assert is_lawful_path(statuses), statuses
            assert statuses == model.path
            assert order.status is model.status

    @invariant()
    def every_order_change_wrote_its_event(self) -> None:
        """The outbox (§14): one event per step of each order's history, in order, each
        carrying the order as it was right after that step."""
        announced: dict[str, list[tuple[str, str]]] = {}
        for recorded in self.shop.storage.state.events.values():
            if recorded.type.startswith("order."):
                steps = announced.setdefault(recorded.data["id"], [])
                steps.append((recorded.type.value, recorded.data["status"]))
        for order_id, model in self.orders.items():
            expected = [(f"order.{status.value}", status.value) for status in model.path]
            assert announced.get(str(order_id), []) == expected

    @invariant()
    def no_order_is_cancelled_and_charged_without_a_refund(self) -> None:
        state = self.shop.storage.state
        kept: Counter[UUID] = Counter()
        for payment in state.payments.values():
            if payment.status is PaymentStatus.SUCCEEDED:
                kept[payment.order_id] += 1
                assert state.orders[payment.order_id].status is not OrderStatus.CANCELLED
        for order_id, order in state.orders.items():
            assert kept[order_id] <= 1, "an order charged twice"
            paid = order.status in {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
            assert paid == (order.payment_status is OrderPaymentStatus.PAID), order

    @invariant()
    def carts_hold_what_was_accepted(self) -> None:
        stored = {u: lines for u, lines in self.shop.storage.state.carts.items() if lines}
        assert stored == {u: lines for u, lines in self.carts.items() if lines}
        for user, lines in stored.items():
            assert list(lines) == list(self.carts[user]), "cart lines changed their order"

    @invariant()
    def orders_keep_their_snapshot_and_add_up(self) -> None:
        stored = self.shop.storage.state.orders
        assert set(stored) == set(self.orders)
        for order_id, order in stored.items():
            assert order.lines == self.orders[order_id].lines
            assert order.subtotal == total_of(
                [line.unit_price * line.quantity for line in order.lines]
            )
            assert Money(0) <= order.discount <= order.subtotal
            assert order.total == order.subtotal - order.discount

    @invariant()
    def coupon_uses_never_exceed_their_limits_and_follow_the_orders(self) -> None:
        state = self.shop.storage.state
        for code, coupon in state.coupons.items():
            live = [o for o in state.orders.values() if o.status is not OrderStatus.CANCELLED]
            carried = [o.user_id for o in live if code in {c.code for c in o.coupons}]
            assert coupon.times_used == len(carried) == self._uses(code)
            if coupon.max_uses is not None:
                assert coupon.times_used <= coupon.max_uses
            if coupon.max_uses_per_customer is not None:
                assert max(Counter(carried).values(), default=0) <= coupon.max_uses_per_customer

    @invariant()
    def carts_hold_the_coupons_accepted(self) -> None:
        stored = {u: codes for u, codes in self.shop.storage.state.cart_coupons.items() if codes}
        assert stored == {u: codes for u, codes in self.cart_coupons.items() if codes}


StockMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_stock_invariants_hold_whatever_customers_and_admins_do = StockMachine.TestCase
