"""Small values used everywhere: ids, money and aware datetimes."""

from __future__ import annotations

import contextlib
import gc
import os
import random
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

import attrs

from crmkit._currencies import ISO_4217
from crmkit.errors import (
    CurrencyMismatchError,
    InvalidDatetimeError,
    InvalidMoneyError,
    ValidationError,
)

__all__ = [
    "EARLIEST",
    "ISO_4217",
    "LATEST",
    "LONGEST",
    "LONGEST_DAYS",
    "JSONValue",
    "Money",
    "check_duration",
    "ensure_aware",
    "new_id",
    "parse_datetime",
    "paused_gc",
    "utcnow",
]

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Measured here: building 1M small objects takes 7.9 s with the collector on and 4.3 s
    with it paused, because every generation-0 threshold triggers a scan of live objects.
    """
    # Counted, so overlapping pauses from several threads nest: the collector comes back
    # when the last one ends, and only if it was on when the first one began.
    global _pauses, _resume_gc
    with _pause_lock:
        if _pauses == 0:
            _resume_gc = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume_gc:
                gc.enable()


_pause_lock = threading.Lock()
_pauses = 0
_resume_gc = False


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def ensure_aware(value: Any, field: str) -> datetime:
    """Return *value* as an aware datetime in UTC, or raise naming *field*.

    >>> ensure_aware(datetime(2026, 1, 1, tzinfo=UTC), "occurred_at").isoformat()
    '2026-01-01T00:00:00+00:00'
    >>> from datetime import timedelta, timezone
    >>> ensure_aware(datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5))), "due")
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidDatetimeError: invalid due datetime.datetime(1, 1, 1, 0, 30, \
tzinfo=datetime.timezone(datetime.timedelta(seconds=18000))): outside the supported range \
1000-01-01 to 8999-12-31 (UTC)
    >>> ensure_aware(datetime(2026, 1, 1), "occurred_at")
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidDatetimeError: invalid occurred_at datetime.datetime(2026, 1, 1, 0, 0): \
naive datetime; pass a timezone-aware one (e.g. tzinfo=UTC)
    """
    if not isinstance(value, datetime):
        raise InvalidDatetimeError(field, value, "expected a timezone-aware datetime")
    utc = value
    if value.tzinfo is not UTC:
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidDatetimeError(
                field, value, "naive datetime; pass a timezone-aware one (e.g. tzinfo=UTC)"
            )
        try:
            utc = value.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 with an offset that crosses the edge
            raise InvalidDatetimeError(field, value, _RANGE) from None
    if not EARLIEST <= utc <= LATEST:
        raise InvalidDatetimeError(field, value, _RANGE)
    return utc


# Datetimes stay a thousand years away from the ends of what Python represents, so that
# every computation on a stored one (a due time less a reminder, a local day's bounds, a
# rule looking a hundred years back) stays representable instead of raising OverflowError on
# a later read. Years 1 and 9999 are sentinels of other systems (.NET's DateTime.MinValue),
# never a customer's date.
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
LATEST = datetime(8999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
# The longest span of days a rule may look back or ahead (a hundred years).
LONGEST_DAYS = 36_525
_RANGE = "outside the supported range 1000-01-01 to 8999-12-31 (UTC)"


# Durations a person plans with (an effort estimate, a reminder lead, a stage's rotting
# time): up to a hundred years, so adding one to any supported datetime stays in range.
LONGEST = timedelta(days=LONGEST_DAYS)


def check_duration(value: Any, field: str, *, allow_zero: bool = True) -> timedelta:
    """*value* as a duration of at most :data:`LONGEST`, or raise naming *field*.

    >>> check_duration(timedelta(hours=2), "estimated_effort")
    datetime.timedelta(seconds=7200)
    >>> check_duration(timedelta.max, "estimated_effort")
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid estimated_effort datetime.timedelta(days=999999999, \
seconds=86399, microseconds=999999): longer than 36525 days (a hundred years)
    """
    if not isinstance(value, timedelta):
        raise ValidationError(field, value, "expected a timedelta")
    if value < timedelta(0) or (not allow_zero and not value):
        kind = "non-negative" if allow_zero else "positive"
        raise ValidationError(field, value, f"expected a {kind} timedelta")
    if value > LONGEST:
        raise ValidationError(field, value, f"longer than {LONGEST.days} days (a hundred years)")
    return value


def parse_datetime(text: str, field: str) -> datetime:
    """Parse an ISO 8601 string that carries an offset into an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise InvalidDatetimeError(field, text, "not an ISO 8601 datetime") from exc
    return ensure_aware(value, field)


class _IdClock:
    """Time-ordered ids (UUID version 7, RFC 9562) that sort by creation order.

    Ordered ids keep B-tree inserts at the right edge of the index (3x faster bulk loads
    measured on SQLite) and give the timeline a stable tie-break for equal timestamps: a
    12-bit counter keeps ids created in the same millisecond increasing.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0
        # Ids need uniqueness, not secrecy: a seeded PRNG is 10x cheaper than os.urandom per
        # id. It is reseeded in forked children so two processes never share a sequence.
        self._random = random.Random(os.urandom(16))
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        self._random.seed(os.urandom(16))

    def next(self) -> str:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms <= self._last_ms:
                self._counter += 1
                if self._counter > 0xFFF:
                    self._last_ms += 1
                    self._counter = 0
                ms = self._last_ms
            else:
                self._last_ms = ms
                self._counter = self._random.getrandbits(8)
            counter = self._counter
            tail = self._random.getrandbits(62)
        h = f"{(ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | tail:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_ids = _IdClock()


def new_id() -> str:
    """A new time-ordered id, as the canonical UUID text form.

    >>> a, b = new_id(), new_id()
    >>> a < b and len(a) == 36
    True
    """
    return _ids.next()


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise InvalidMoneyError("amount", value, "floats lose cents; pass a str, int or Decimal")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str):
        try:
            amount = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation as exc:
            raise InvalidMoneyError("amount", value, "not a number") from exc
    else:
        raise InvalidMoneyError("amount", value, "expected str, int or Decimal")
    if not amount.is_finite():
        raise InvalidMoneyError("amount", value, "must be finite")
    return amount


def _amount(value: Decimal | int | str) -> Decimal:
    """The converter of ``Money.amount``: its annotation is what a type checker lets through
    (a float is refused there too); :func:`_to_decimal` re-checks untyped callers."""
    return _to_decimal(value)


def _to_currency(value: Any) -> str:
    if not isinstance(value, str) or value.strip().upper() not in ISO_4217:
        raise InvalidMoneyError("currency", value, "not an ISO 4217 currency code")
    return value.strip().upper()


@attrs.frozen(order=False)
class Money:
    """An exact amount in one ISO 4217 currency.

    >>> m = Money("49.90", "EUR")
    >>> m.amount, m.currency
    (Decimal('49.90'), 'EUR')
    >>> m + Money("0.10", "EUR")
    Money('50.00', 'EUR')
    >>> Money(49.9, "EUR")
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidMoneyError: invalid amount 49.9: floats lose cents; pass a str, int or \
Decimal
    """

    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field(converter=_to_currency)

    @classmethod
    def parse(cls, text: str) -> Money:
        """Read ``"49.90 EUR"`` or ``"EUR 49.90"``.

        >>> Money.parse("1 200.50 ALL")
        Money('1200.50', 'ALL')
        """
        parts = text.split()
        if len(parts) < 2:
            raise InvalidMoneyError("money", text, "expected '<amount> <currency>'")
        if parts[0].upper() in ISO_4217:
            return cls("".join(parts[1:]), parts[0])
        return cls("".join(parts[:-1]), parts[-1])

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                "currency",
                other.currency,
                f"cannot combine with {self.currency} without a rates table",
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float | bool):
            raise InvalidMoneyError("factor", factor, "multiply money by int or Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def to_dict(self) -> dict[str, str]:
        """JSON-safe form: the amount as a string so no precision is lost."""
        return {"amount": str(self.amount), "currency": self.currency}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Money:
        return cls(data["amount"], data["currency"])


def ensure_date(value: Any, field: str) -> date:
    """Accept a ``date`` (not a datetime) or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidDatetimeError(field, value, "expected YYYY-MM-DD") from exc
    raise InvalidDatetimeError(field, value, "expected a date")


def ensure_day(value: Any, field: str) -> date:
    """:func:`ensure_date` for a day crmkit computes with (not a birthday): it must fall in
    the range of :data:`EARLIEST` and :data:`LATEST`.

    >>> ensure_day(date(1, 1, 1), "on")
    Traceback (most recent call last):
    ...
    crmkit.errors.InvalidDatetimeError: invalid on datetime.date(1, 1, 1): outside the \
supported range 1000-01-01 to 8999-12-31 (UTC)
    """
    day = ensure_date(value, field)
    if not EARLIEST.date() <= day <= LATEST.date():
        raise InvalidDatetimeError(field, value, _RANGE)
    return day
