"""Nothing stored under a key: :class:`NotFoundError` and its kinds."""

from __future__ import annotations

from typing import Any

from crmkit.errors._validation import CRMError

__all__ = [
    "ConsentNotFoundError",
    "ContactNotFoundError",
    "CouponNotFoundError",
    "DealNotFoundError",
    "InteractionNotFoundError",
    "LifecycleChangeNotFoundError",
    "ListNotFoundError",
    "MergeNotFoundError",
    "MissingRateError",
    "NotFoundError",
    "OrganizationNotFoundError",
    "PipelineNotFoundError",
    "RecordNotFoundError",
    "ReviewItemNotFoundError",
    "SegmentNotFoundError",
    "StageChangeNotFoundError",
    "TaskNotFoundError",
    "TransactionNotFoundError",
    "UserNotFoundError",
]


class NotFoundError(CRMError, LookupError):
    """No record of this kind with this key in the current workspace.

    >>> str(ContactNotFoundError("c-1"))
    "contact 'c-1' not found"
    """

    kind = "record"

    def __init__(self, key: Any) -> None:
        self.key = key
        super().__init__(f"{self.kind} {key!r} not found")


class ContactNotFoundError(NotFoundError):
    kind = "contact"


class OrganizationNotFoundError(NotFoundError):
    kind = "organization"


class InteractionNotFoundError(NotFoundError):
    kind = "interaction"


class PipelineNotFoundError(NotFoundError):
    kind = "pipeline"


class DealNotFoundError(NotFoundError):
    kind = "deal"


class StageChangeNotFoundError(NotFoundError):
    kind = "stage change"


class LifecycleChangeNotFoundError(NotFoundError):
    kind = "lifecycle change"


class ConsentNotFoundError(NotFoundError):
    kind = "consent record"


class TaskNotFoundError(NotFoundError):
    kind = "task"


class UserNotFoundError(NotFoundError):
    kind = "user"


class TransactionNotFoundError(NotFoundError):
    kind = "transaction"


class SegmentNotFoundError(NotFoundError):
    kind = "segment"


class ListNotFoundError(NotFoundError):
    kind = "list"


class MergeNotFoundError(NotFoundError):
    kind = "merge"


class ReviewItemNotFoundError(NotFoundError):
    kind = "review item"


class RecordNotFoundError(NotFoundError):
    """No record of a declared kind (:mod:`crmkit.storage.kinds`) with this id.

    >>> str(RecordNotFoundError("case", "k-1"))
    "case 'k-1' not found"
    """

    def __init__(self, kind: str, key: Any) -> None:
        self.kind = kind
        super().__init__(key)


class CouponNotFoundError(NotFoundError):
    """No coupon with this code (codes are compared ignoring case, spaces and hyphens)."""

    kind = "coupon"


class MissingRateError(NotFoundError):
    kind = "exchange rate"
