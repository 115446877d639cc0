"""The customers' mail, rendered from Jinja2 templates (this package's `templates/`): one
plain-text and one HTML template per kind of event, over the event's data (the order or the
book as the API shows it)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bookstore.application.notifications import Mail
from bookstore.application.outbox import Event
from bookstore.domain.events import EventType

SUBJECTS = {
    EventType.ORDER_PLACED: "Your order {short_id} is placed",
    EventType.ORDER_PAID: "We received the payment for order {short_id}",
    EventType.ORDER_SHIPPED: "Your order {short_id} has shipped",
    EventType.ORDER_CANCELLED: "Your order {short_id} is cancelled",
    EventType.BOOK_BACK_IN_STOCK: "{title} is back in stock",
}


class JinjaMailTemplates:
    def __init__(self, store_name: str = "Imagine Bookstore") -> None:
        self._store = store_name
        self._env = Environment(
            loader=PackageLoader("bookstore.adapters.mail", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, event: Event, to: str) -> Mail:
        subject_of = SUBJECTS.get(event.type)
        if subject_of is None:
            raise LookupError(f"no mail for {event.type.value} events")
        data = event.data
        name = event.type.value.replace(".", "_")
        context = {"store": self._store, "event": event.body(), "data": data}
        subject = subject_of.format(
            short_id=str(data.get("id", ""))[:8], title=data.get("title", "")
        )
        text = self._env.get_template(f"{name}.txt").render(context)
        html = self._env.get_template(f"{name}.html").render(context, subject=subject)
        return Mail(to, subject, text, html)
