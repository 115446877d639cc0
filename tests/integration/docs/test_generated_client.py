"""A client generated from the served OpenAPI document works: openapi-python-client builds it
without a warning, every module imports, its functions are named after the operationIds
(`list_books`, `place_order`), and a customer's whole visit runs through it alone."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from docs_support import require

pytestmark = pytest.mark.slow

PACKAGE = "bookstore_client"
TIMEOUT = 120

VISIT = """
import json, sys, uuid
from decimal import Decimal
from bookstore_client import AuthenticatedClient, Client
from bookstore_client.api.auth import log_in, log_in_with_form, register
from bookstore_client.api.books import get_book, list_books
from bookstore_client.api.cart import add_to_cart, view_cart
from bookstore_client.api.orders import get_order, list_orders, place_order
from bookstore_client.api.users import get_me
from bookstore_client.models import (
    AddItemRequest, BookSort, LoginRequest, RegisterRequest, TokenForm,
)

base, email, password = sys.argv[1], "client@example.com", "correct horse battery"
anonymous = Client(base_url=base, raise_on_unexpected_status=True)

user = register.sync(client=anonymous, body=RegisterRequest(email=email, password=password))
tokens = log_in.sync(client=anonymous, body=LoginRequest(email=email, password=password))
form = log_in_with_form.sync(client=anonymous, body=TokenForm(username=email, password=password))
me = AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)

found = list_books.sync(client=anonymous, q="tolkien", sort=BookSort("-price"), page_size=5)
book = get_book.sync(client=anonymous, book_id=found.items[0].id)
add_to_cart.sync(client=me, body=AddItemRequest(book_id=book.id, quantity=2))
cart = view_cart.sync(client=me)
key = str(uuid.uuid4())
order = place_order.sync(client=me, idempotency_key=key)
again = place_order.sync(client=me, idempotency_key=key)
mine = list_orders.sync(client=me)
shown = get_order.sync(client=me, order_id=order.id)

print(json.dumps({
    "user": user.email, "me": get_me.sync(client=me).id == user.id,
    "form_token": form.token_type, "authors": [b.author for b in found.items],
    "prices": [b.price for b in found.items], "cart": cart.total_quantity,
    "order": str(order.id), "status": str(order.status), "total": order.total,
    "expected_total": str(2 * Decimal(book.price)),
    "replayed": str(again.id), "listed": [str(o.id) for o in mine.items],
    "shown": str(shown.id),
}))
"""


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


@pytest.fixture(scope="module")
def generated(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client package, generated from the live server's document into a scratch folder."""
    require(
        importlib.util.find_spec("openapi_python_client") is not None,
        "openapi-python-client",
        "make install",
    )
    where = tmp_path_factory.mktemp("client")
    tools = str(Path(sys.executable).parent)  # its ruff, which formats the generated code
    result = subprocess.run(
        [
            sys.executable, "-m", "openapi_python_client", "generate",
            "--url", f"{server_url}/schema/openapi.json",
            "--meta", "none", "--output-path", PACKAGE, "--fail-on-warning",
        ],
        cwd=where,
        env=os.environ | {"PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return where


def run_python(where: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=where,
        env=os.environ | {"PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_every_module_of_the_client_imports(generated: Path) -> None:
    code = (
        "import importlib, pkgutil, bookstore_client as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'bookstore_client.'):\n"
        "    importlib.import_module(m.name)\n"
    )

    result = run_python(generated, code)

    assert result.returncode == 0, result.stderr


def test_the_client_functions_are_named_after_the_operations(
    generated: Path, server_url: str
) -> None:
    document = httpx.get(f"{server_url}/schema/openapi.json").json()
    operation_ids = {
        op["operationId"] for item in document["paths"].values() for op in item.values()
    }

    modules = {path.stem for path in (generated / PACKAGE / "api").rglob("*.py")} - {"__init__"}

    assert modules == {snake(operation_id) for operation_id in operation_ids}
    assert {"list_books", "get_book", "add_to_cart", "place_order", "log_in"} <= modules


def test_a_customer_shops_through_the_generated_client_alone(
    generated: Path, server_url: str
) -> None:
    result = run_python(generated, VISIT, server_url)

    assert result.returncode == 0, result.stderr
    visit = json.loads(result.stdout)
    assert visit["user"] == "client@example.com"
    assert visit["me"] is True
    assert visit["form_token"] == "bearer"
    assert visit["authors"]
    assert all("Tolkien" in author for author in visit["authors"])
    assert visit["prices"] == sorted(visit["prices"], key=float, reverse=True)
    assert visit["cart"] == 2
    assert visit["status"] == "placed"
    assert visit["total"] == visit["expected_total"]
    assert visit["replayed"] == visit["order"]
    assert visit["listed"] == [visit["order"]]
    assert visit["shown"] == visit["order"]
