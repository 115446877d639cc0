"""Only admins edit the catalogue and see other people's data: a rule of the use cases
themselves, so a library caller cannot go around it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bookstore.application.use_cases import (
    AddBookCommand,
    CreateAdminCommand,
    ListAllOrdersCommand,
    ListUsersCommand,
    RemoveBookCommand,
    RestockBookCommand,
    UpdateBookCommand,
    UpdateUserCommand,
)
from bookstore.domain.book import Book, BookChanges, BookDetails
from bookstore.domain.errors import Forbidden
from bookstore.domain.user import Actor, Role

from .support import Shop

AdminAction = Callable[[Shop, Actor, Book], object]

ADMIN_ONLY: dict[str, AdminAction] = {
    "add a book": lambda shop, actor, _book: shop.app.add_book()(
        AddBookCommand(
            actor,
            BookDetails.parse(title="New", author="A", genre="G", price="1.00", stock=1),
        )
    ),
    "edit a book": lambda shop, actor, book: shop.app.update_book()(
        UpdateBookCommand(actor, book.id, BookChanges(price="0.01"))
    ),
    "restock a book": lambda shop, actor, book: shop.app.restock_book()(
        RestockBookCommand(actor, book.id, 5)
    ),
    "remove a book": lambda shop, actor, book: shop.app.remove_book()(
        RemoveBookCommand(actor, book.id)
    ),
    "list every order": lambda shop, actor, _book: shop.app.list_all_orders()(
        ListAllOrdersCommand(actor)
    ),
    "list every user": lambda shop, actor, _book: shop.app.list_users()(ListUsersCommand(actor)),
    "promote someone": lambda shop, actor, _book: shop.app.update_user()(
        UpdateUserCommand(actor, shop.root.user_id, role=Role.CUSTOMER)
    ),
}


@pytest.mark.parametrize("action", ADMIN_ONLY.values(), ids=ADMIN_ONLY.keys())
def test_a_customer_may_not(shop: Shop, action: AdminAction) -> None:
    book = shop.book("Dune", stock=3)
    customer = shop.customer()
    state_before = shop.storage.state
    with pytest.raises(Forbidden):
        action(shop, customer, book)
    assert shop.storage.state is state_before  # nothing was committed
    assert shop.app.get_book()(book.id) == book


@pytest.mark.parametrize("action", ADMIN_ONLY.values(), ids=ADMIN_ONLY.keys())
def test_an_admin_may(shop: Shop, action: AdminAction) -> None:
    book = shop.book("Dune", stock=3)
    action(shop, shop.admin(), book)


def test_a_demoted_admin_loses_their_powers_at_once(shop: Shop) -> None:
    command = CreateAdminCommand("former@example.com", "a long password")
    admin_user = shop.app.create_admin()(command)
    token = shop.log_in("former@example.com", "a long password").access_token
    shop.app.update_user()(UpdateUserCommand(shop.root, admin_user.id, role=Role.CUSTOMER))
    actor = shop.app.authenticate()(token).actor
    with pytest.raises(Forbidden):
        ADMIN_ONLY["restock a book"](shop, actor, shop.book())
