"""Payment providers behind the `PaymentGateway` port: the built-in sandbox."""

from bookstore.adapters.payments.sandbox import (
    SANDBOX_METHODS,
    MemoryOutcomeSchedule,
    OutcomeSchedule,
    SandboxGateway,
)
from bookstore.adapters.payments.signature import sign, verify

__all__ = [
    "SANDBOX_METHODS",
    "MemoryOutcomeSchedule",
    "OutcomeSchedule",
    "SandboxGateway",
    "sign",
    "verify",
]
