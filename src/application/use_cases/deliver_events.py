from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from bookstore.application.notifications import Mailer, MailTemplates, WebhookSender
from bookstore.application.outbox import ClaimedDelivery, Event, NewDelivery
from bookstore.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bookstore.domain.events import (
    DEFAULT_MAX_ATTEMPTS,
    MAILED,
    Channel,
    Delivery,
    DeliveryStatus,
    WebhookEndpoint,
)

logger = logging.getLogger("bookstore.events")


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    """A delivery that failed this many attempts is `dead`."""
    batch: int = 50
    """Events fanned out, and deliveries claimed, per round."""
    claim_for: timedelta = timedelta(minutes=2)
    """How long a claim holds: a worker that died lets its deliveries go after this."""
    attempt_budget: timedelta = timedelta(minutes=1)
    """The longest one attempt may take (a webhook times out after 10 s, an SMTP exchange
    after 30 s per step): a delivery is only tried while its claim has this much time left
    (or half the claim, if shorter), so a claim never runs out during an attempt."""

    @property
    def margin(self) -> timedelta:
        return min(self.attempt_budget, self.claim_for / 2)


class DeliverEvents:
    """The worker's job: send what the outbox holds. How many deliveries succeeded.

    - Fan out: each new event becomes one delivery per active webhook endpoint that asked for
      its type and existed when it happened, and one e-mail per customer it notifies (for the
      events that have a mail), in one transaction, by one worker.
    - Deliver: claim due deliveries (held by this worker, until the claim runs out), send
      each, and record the outcome. At least once: a worker that dies after sending and
      before recording sends again later; receivers tell by the event's `id`.
    - A failed attempt is tried again after an exponential backoff with jitter, at most an
      hour apart; after `max_attempts` the delivery is `dead`.
    - A delivery is tried only while its claim has time left for a whole attempt (see
      `DeliveryPolicy.attempt_budget`): a claim never runs out during an attempt, so no two
      workers ever send one delivery at the same time. The rest are given back.
    - `stop()` makes a round in progress give back the deliveries it has not tried yet.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        templates: MailTemplates,
        mailer: Mailer,
        sender: WebhookSender,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._templates = templates
        self._mailer = mailer
        self._sender = sender
        self._policy = policy or DeliveryPolicy()
        self._stopping = threading.Event()

    def __call__(self) -> int:
        while self.fan_out() == self._policy.batch:
            pass
        return self.deliver_due()

    def stop(self) -> None:
        self._stopping.set()

    def fan_out(self) -> int:
        """Turn up to a batch of new events into deliveries; how many events."""
        now = self._clock.now()
        with self._uow() as uow:
            events = uow.deliveries.undispatched(self._policy.batch)
            if not events:
                return 0
            endpoints = uow.webhooks.active()
            deliveries = [d for e in events for d in _deliveries_of(uow, e, endpoints)]
            uow.deliveries.dispatch([e.id for e in events], deliveries, now)
            uow.commit()
        return len(events)

    def deliver_due(self) -> int:
        now, claim = self._clock.now(), uuid.uuid4().hex
        until = now + self._policy.claim_for
        with self._uow() as uow:
            claimed = uow.deliveries.claim(now, until, self._policy.batch, claim)
            uow.commit()
        succeeded = 0
        for held in claimed:
            running_out = self._clock.now() + self._policy.margin > until
            if self._stopping.is_set() or running_out:
                self._give_back(held)  # untried: the next round (of any worker) takes it
                continue
            outcome = self._attempt(held)
            with self._uow() as uow:
                uow.deliveries.finish(outcome, claim)
                uow.commit()
            succeeded += outcome.status is DeliveryStatus.SUCCEEDED
        return succeeded

    def _attempt(self, held: ClaimedDelivery) -> Delivery:
        delivery, event = held.delivery, held.event
        status_code = None
        try:
            if delivery.channel is Channel.EMAIL:
                self._mailer.send(self._templates.render(event, delivery.recipient or ""))
            else:
                if held.endpoint is None:
                    raise LookupError("the endpoint was removed")
                status_code = self._post(held.endpoint, event)
                if not 200 <= status_code < 300:
                    return self._failed(delivery, f"HTTP {status_code}", status_code)
        except Exception as error:  # any failure of the destination is an attempt that failed
            logger.warning("delivery %s of event %s failed: %s", delivery.id, event.id, error)
            return self._failed(delivery, _describe(error), status_code)
        return delivery.succeeded(status_code)

    def _post(self, endpoint: WebhookEndpoint, event: Event) -> int:
        body = json.dumps(event.body(), separators=(",", ":")).encode()
        return self._sender.post(endpoint, body, int(self._clock.now().timestamp()))

    def _failed(self, delivery: Delivery, error: str, status_code: int | None) -> Delivery:
        return delivery.failed(error, self._clock.now(), self._policy.max_attempts, status_code)

    def _give_back(self, held: ClaimedDelivery) -> None:
        with self._uow() as uow:
            uow.deliveries.release(held.delivery.id, held.claim)
            uow.commit()


def _deliveries_of(
    uow: UnitOfWork, event: Event, endpoints: list[WebhookEndpoint]
) -> list[NewDelivery]:
    hooks = [
        NewDelivery(event.id, event.type, Channel.WEBHOOK, endpoint_id=endpoint.id)
        for endpoint in endpoints
        if endpoint.wants(event.type, event.created)
    ]
    if event.type not in MAILED:
        return hooks
    users = [user for user_id in event.notify if (user := uow.users.get(user_id)) is not None]
    return hooks + [
        NewDelivery(event.id, event.type, Channel.EMAIL, recipient=str(user.email))
        for user in users
    ]


def _describe(error: Exception) -> str:
    """What went wrong, for the delivery's `last_error`: the kind of error and its message
    (an SMTP server's reply, a connection refused), never a traceback."""
    message = str(error).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
