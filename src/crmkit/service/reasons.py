"""Contact reasons: why a customer opened a case (a per-workspace list).

Every workspace knows :data:`DEFAULT_REASONS`; more are added per workspace
(``crm.cases.add_reason("warranty")``). A reason is a lower-case word of letters, digits
and underscores, so reports group "Billing" and "billing" together.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import attrs

from crmkit._text_limits import clean_text
from crmkit._types import ensure_aware, new_id
from crmkit.errors import ValidationError

__all__ = ["DEFAULT_REASONS", "ContactReason", "check_reason_name"]

DEFAULT_REASONS: tuple[str, ...] = (
    "question",
    "complaint",
    "billing",
    "equipment_fault",
    "return",
    "other",
)

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def check_reason_name(value: Any, field: str = "reason") -> str:
    """*value* as a reason name (stripped, lower-case), or :class:`ValidationError`.

    >>> check_reason_name(" Warranty ")
    'warranty'
    >>> check_reason_name("late delivery")
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid reason 'late delivery': expected a lower-case word \
of letters, digits and underscores (e.g. 'late_delivery')
    """
    text = (clean_text(field, value, required=True) or "").lower()
    if not _NAME.fullmatch(text):
        hint = re.sub(r"\W+", "_", text).strip("_") or "other"
        raise ValidationError(
            field,
            value,
            f"expected a lower-case word of letters, digits and underscores (e.g. {hint!r})",
        )
    return text


@attrs.frozen
class ContactReason:
    """A reason a workspace added to :data:`DEFAULT_REASONS`."""

    id: str
    name: str
    added_at: datetime

    @classmethod
    def new(cls, name: Any, *, at: Any) -> ContactReason:
        return cls(new_id(), check_reason_name(name, "name"), ensure_aware(at, "at"))
