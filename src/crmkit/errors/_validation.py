"""Bad input: :class:`ValidationError` and the kinds of it (see :mod:`crmkit.errors`)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CRMError",
    "CouponError",
    "CouponExpiredError",
    "CouponIneligibleError",
    "CouponUsedUpError",
    "CurrencyMismatchError",
    "InsufficientPointsError",
    "InvalidDatetimeError",
    "InvalidEmailError",
    "InvalidExternalIdError",
    "InvalidHandleError",
    "InvalidMoneyError",
    "InvalidPhoneError",
    "InvalidRecurrenceError",
    "InvalidSegmentError",
    "InvalidTransitionError",
    "ReferralError",
    "UnknownPurposeError",
    "UnknownSkuError",
    "UnsupportedSegmentError",
    "ValidationError",
]


class CRMError(Exception):
    """Base of every error crmkit raises on purpose."""


class ValidationError(CRMError, ValueError):
    """Input that crmkit refuses; nothing was written.

    >>> err = ValidationError("email", "not-an-email", "no @ sign")
    >>> err.field, err.value
    ('email', 'not-an-email')
    >>> str(err)
    "invalid email 'not-an-email': no @ sign"
    """

    def __init__(self, field: str, value: Any, reason: str = "") -> None:
        self.field = field
        self.value = value
        self.reason = reason
        message = f"invalid {field} {value!r}"
        super().__init__(f"{message}: {reason}" if reason else message)


class InvalidEmailError(ValidationError):
    """An email address that does not parse."""


class InvalidPhoneError(ValidationError):
    """A phone number that does not parse, or has no country code and no region."""


class InvalidHandleError(ValidationError):
    """A social handle or channel name that cannot be canonicalised."""


class InvalidExternalIdError(ValidationError):
    """An external id (or its system) that cannot be an identity: not text or an integer,
    blank, or holding a NUL character."""


class InvalidDatetimeError(ValidationError):
    """A naive datetime, or one that contradicts the order of events."""


class InvalidMoneyError(ValidationError):
    """A float amount, an unknown currency, or a negative amount where none is allowed."""


class CurrencyMismatchError(ValidationError):
    """Amounts in different currencies combined without an exchange-rate table."""


class InvalidTransitionError(ValidationError):
    """A state change the rules forbid (moving a closed deal, completing a cancelled task)."""


class InvalidSegmentError(ValidationError):
    """A segment with an unknown field or operator, or a value of the wrong type."""


class UnsupportedSegmentError(InvalidSegmentError):
    """A segment node that a compiler (``err.compiler``: "memory", "sql", ...) has no handler
    for; ``err.value`` is the node (see :mod:`crmkit.segments.compiler`)."""

    def __init__(self, compiler: str, node: Any) -> None:
        self.compiler = compiler
        super().__init__(
            "segment", node, f"the {compiler} compiler has no handler for {type(node).__name__}"
        )


class UnknownPurposeError(ValidationError):
    """A consent purpose that is not in the CRM's purposes (see ``CRM(purposes=...)``).

    >>> err = UnknownPurposeError("purpose", "spam", "one of marketing_email, profiling")
    >>> err.field, err.value
    ('purpose', 'spam')
    """


class UnknownSkuError(ValidationError):
    """A SKU that names no product of the workspace's catalogue (field ``sku``)."""


class InvalidRecurrenceError(ValidationError):
    """A recurrence rule that ``dateutil.rrule`` cannot read."""


class CouponError(ValidationError):
    """A coupon code that exists but cannot be redeemed now; ``err.value`` is the code."""


class CouponExpiredError(CouponError):
    """Redeemed at or after the coupon's ``expires_at``."""


class CouponUsedUpError(CouponError):
    """Every one of the coupon's ``max_uses`` is taken."""


class CouponIneligibleError(CouponError):
    """The contact is not in the segment the coupon is limited to."""


class InsufficientPointsError(ValidationError):
    """Redeeming more loyalty points than the contact holds at that time.

    >>> err = InsufficientPointsError("points", 200, "the balance is 150")
    >>> err.field, err.value
    ('points', 200)
    """


class ReferralError(ValidationError):
    """A referral the rules forbid: a self-referral, a cycle, or a second referrer."""
