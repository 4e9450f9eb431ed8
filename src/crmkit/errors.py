"""Every exception crmkit raises, in one tree.

Each error also subclasses the matching builtin, so ``except ValueError`` keeps working in
code that does not know crmkit. Context travels in attributes (``err.field``, ``err.value``),
and the message names both.

::

    CRMError
    ├── ValidationError (ValueError)            field, value, reason
    │   ├── InvalidEmailError
    │   ├── InvalidPhoneError
    │   ├── InvalidHandleError
    │   ├── InvalidExternalIdError              an id from another system: blank, NUL, a float
    │   ├── InvalidDatetimeError                naive or out-of-order datetimes
    │   ├── InvalidMoneyError                   float amounts, unknown currencies, negatives
    │   ├── CurrencyMismatchError               mixing currencies without a rates table
    │   ├── InvalidTransitionError              a status change the rules forbid
    │   ├── InvalidSegmentError                 unknown field/operator, wrong value type
    │   │   └── UnsupportedSegmentError         compiler: a node type it has no handler for
    │   ├── UnknownPurposeError                 a consent purpose the CRM does not know
    │   ├── UnknownSkuError                     a SKU that names no catalogue product
    │   ├── InvalidRecurrenceError              a bad rrule string
    │   ├── CouponError                         a coupon that cannot be redeemed now
    │   │   ├── CouponExpiredError              at or after its expiry
    │   │   ├── CouponUsedUpError               every use taken
    │   │   └── CouponIneligibleError           the contact is not in its segment
    │   ├── InsufficientPointsError             redeeming more loyalty points than held
    │   └── ReferralError                       self-referral, a cycle, a second referrer
    ├── NotFoundError (LookupError)             kind, key
    │   ├── ContactNotFoundError
    │   ├── OrganizationNotFoundError
    │   ├── InteractionNotFoundError
    │   ├── PipelineNotFoundError
    │   ├── DealNotFoundError
    │   ├── StageChangeNotFoundError
    │   ├── LifecycleChangeNotFoundError
    │   ├── ConsentNotFoundError
    │   ├── TaskNotFoundError
    │   ├── UserNotFoundError
    │   ├── TransactionNotFoundError
    │   ├── SegmentNotFoundError
    │   ├── ListNotFoundError
    │   ├── MergeNotFoundError
    │   ├── ReviewItemNotFoundError             a duplicate-review item of crm.review_queue()
    │   ├── RecordNotFoundError                 a record of a declared kind (kind, key)
    │   ├── CouponNotFoundError                 no coupon with this code
    │   └── MissingRateError                    no exchange rate for a currency on a date
    ├── ConflictError                           the write contradicts what is stored
    │   ├── DuplicateContactError               identity, contact_id (the existing owner)
    │   ├── SuppressedContactError              field, value: an erased person's identity
    │   ├── ErasedContactError                  contact_id: the contact was erased
    │   ├── AlreadyExistsError                  kind, key
    │   │   ├── UniqueKeyError                  a unique key's value held by another record
    │   │   └── DuplicateNameError              field, value, existing_id: a name taken
    │   ├── StaleVersionError                   kind, key, expected, actual
    │   │   └── MergeConflictError              merge_id, fields: what an unmerge would undo
    │   └── UnmergeOrderError                   merge_id, contact_id, undo_first: the survivor
    │                                           was merged into another contact since
    ├── StorageError                            a backend failed; the driver error is __cause__
    │   ├── StorageUnavailableError             cannot connect / open
    │   └── SchemaVersionError                  the database is newer than this code, or its
    │                                           version is negative (changed by another tool)
    ├── ImportInterruptedError                  committed, total, report: an import in batches
    │                                           stopped part-way; the failure is __cause__
    ├── ConfigurationError                      wrong set-up, e.g. a missing optional extra
    └── ModelError (ArithmeticError)            a statistical model cannot be fitted or used

    ConvergenceWarning (UserWarning)            a fit that stopped early or hit a boundary
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class _ImportOutcomes(Protocol):
    """What :class:`ImportInterruptedError` reads of a :class:`crmkit.importing.ImportReport`
    (named structurally: the errors sit below every other module)."""

    @property
    def rows(self) -> Sequence[Any]: ...

    def summary(self) -> Mapping[str, int]: ...


__all__ = [
    "AlreadyExistsError",
    "CRMError",
    "ConfigurationError",
    "ConflictError",
    "ConsentNotFoundError",
    "ContactNotFoundError",
    "ConvergenceWarning",
    "CouponError",
    "CouponExpiredError",
    "CouponIneligibleError",
    "CouponNotFoundError",
    "CouponUsedUpError",
    "CurrencyMismatchError",
    "DealNotFoundError",
    "DuplicateContactError",
    "DuplicateNameError",
    "ErasedContactError",
    "ImportInterruptedError",
    "InsufficientPointsError",
    "InteractionNotFoundError",
    "InvalidDatetimeError",
    "InvalidEmailError",
    "InvalidExternalIdError",
    "InvalidHandleError",
    "InvalidMoneyError",
    "InvalidPhoneError",
    "InvalidRecurrenceError",
    "InvalidSegmentError",
    "InvalidTransitionError",
    "LifecycleChangeNotFoundError",
    "ListNotFoundError",
    "MergeConflictError",
    "MergeNotFoundError",
    "MissingRateError",
    "ModelError",
    "NotFoundError",
    "OrganizationNotFoundError",
    "PipelineNotFoundError",
    "RecordNotFoundError",
    "ReferralError",
    "ReviewItemNotFoundError",
    "SchemaVersionError",
    "SegmentNotFoundError",
    "StageChangeNotFoundError",
    "StaleVersionError",
    "StorageError",
    "StorageUnavailableError",
    "SuppressedContactError",
    "TaskNotFoundError",
    "TransactionNotFoundError",
    "UniqueKeyError",
    "UnknownPurposeError",
    "UnknownSkuError",
    "UnmergeOrderError",
    "UnsupportedSegmentError",
    "UserNotFoundError",
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


class ConflictError(CRMError):
    """The write contradicts what is already stored; nothing was written."""


class DuplicateContactError(ConflictError):
    """An identity (email, phone, handle) already belongs to another contact.

    >>> err = DuplicateContactError("phone:+355691234567", "c-1")
    >>> err.contact_id
    'c-1'
    """

    def __init__(self, identity: str, contact_id: str) -> None:
        self.identity = identity
        self.contact_id = contact_id
        super().__init__(f"identity {identity!r} already belongs to contact {contact_id!r}")


class SuppressedContactError(ConflictError):
    """An identity of a person who was erased: crmkit keeps a hashed marker of it so that the
    person is not brought back by an import, a new contact or an inbound message.

    >>> err = SuppressedContactError("email", "besa@example.al")
    >>> err.field, err.value
    ('email', 'besa@example.al')
    >>> str(err)
    "email 'besa@example.al' belongs to an erased person; it stays suppressed"
    """

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field} {value!r} belongs to an erased person; it stays suppressed")


class ErasedContactError(ConflictError):
    """The operation needs a contact that was erased (e.g. undoing a merge it took part in).

    >>> ErasedContactError("c-1", "merge 'm-1' cannot be undone").contact_id
    'c-1'
    """

    def __init__(self, contact_id: str, what: str) -> None:
        self.contact_id = contact_id
        super().__init__(f"{what}: contact {contact_id!r} was erased")


class AlreadyExistsError(ConflictError):
    """A record with this key already exists (a segment name, a user id)."""

    def __init__(self, kind: str, key: Any) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} already exists")


class UniqueKeyError(AlreadyExistsError):
    """Another record of the kind already holds this value of a unique key.

    >>> str(UniqueKeyError("coupon", "code", "SUMMER26"))
    "coupon code 'SUMMER26' already exists"
    """

    def __init__(self, kind: str, key: str, value: str) -> None:
        self.key_name = key
        super().__init__(f"{kind} {key}", value)


class DuplicateNameError(AlreadyExistsError):
    """A name another record of the workspace holds (a pipeline's); names are compared
    ignoring case and runs of spaces. ``field`` and ``value`` are what was given,
    ``existing_id`` the record that holds the name.

    >>> err = DuplicateNameError("pipeline", "name", "sales", "p-1")
    >>> err.field, err.value, err.existing_id
    ('name', 'sales', 'p-1')
    >>> print(err)
    pipeline name 'sales' is taken by pipeline 'p-1' (names are compared ignoring case and spacing)
    """

    def __init__(self, kind: str, field: str, value: Any, existing_id: str) -> None:
        super().__init__(kind, value)
        self.field = field
        self.value = value
        self.existing_id = existing_id
        self.args = (
            f"{kind} {field} {value!r} is taken by {kind} {existing_id!r} "
            "(names are compared ignoring case and spacing)",
        )


class StaleVersionError(ConflictError):
    """Optimistic concurrency: somebody else changed the record since it was read."""

    def __init__(self, kind: str, key: Any, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{kind} {key!r} was changed concurrently: expected version {expected}, "
            f"found {actual}; read it again and retry"
        )


class MergeConflictError(StaleVersionError):
    """An unmerge would take back values changed since the merge; ``fields`` names them
    (``"city"``, ``"custom['tier']"``) and ``merge_id`` the merge."""

    def __init__(
        self, merge_id: str, contact_id: str, fields: tuple[str, ...], expected: int, actual: int
    ) -> None:
        super().__init__("contact", contact_id, expected, actual)
        self.merge_id = merge_id
        self.fields = fields
        self.args = (
            f"merge {merge_id!r} cannot be undone: {', '.join(fields)} of contact "
            f"{contact_id!r} changed since, after the merge changed it too; change it back "
            "or edit the contacts by hand",
        )


class UnmergeOrderError(ConflictError):
    """A merge cannot be undone yet: its survivor (``contact_id``) was merged into another
    contact since. ``undo_first`` names the later merges to undo first, in that order; the
    last of them took the survivor.

    >>> err = UnmergeOrderError("m-1", "c-a", ("m-2",), "c-z")
    >>> err.undo_first
    ('m-2',)
    >>> print(err)
    merge 'm-1' cannot be undone yet: its survivor, contact 'c-a', was merged into contact \
'c-z' by merge 'm-2' since; undo merge 'm-2' first
    >>> print(UnmergeOrderError("m-1", "c-a", ("m-3", "m-2"), "c-z"))
    merge 'm-1' cannot be undone yet: its survivor, contact 'c-a', was merged into contact \
'c-z' by merge 'm-2' since (and that contact on by merge 'm-3'); undo merges 'm-3', \
'm-2' first, in that order
    """

    def __init__(
        self, merge_id: str, contact_id: str, undo_first: tuple[str, ...], into_id: str
    ) -> None:
        self.merge_id = merge_id
        self.contact_id = contact_id
        self.undo_first = undo_first
        taken_by = undo_first[-1]
        later = ", ".join(repr(m) for m in undo_first[-2::-1])
        merges = "merges" if len(undo_first) > 2 else "merge"
        chain = f" (and that contact on by {merges} {later})" if later else ""
        todo = (
            f"undo merge {taken_by!r} first" if len(undo_first) == 1
            else f"undo merges {', '.join(repr(m) for m in undo_first)} first, in that order"
        )  # fmt: skip
        super().__init__(
            f"merge {merge_id!r} cannot be undone yet: its survivor, contact {contact_id!r}, "
            f"was merged into contact {into_id!r} by merge {taken_by!r} since{chain}; {todo}"
        )


class StorageError(CRMError):
    """A storage backend failed; the driver's exception is chained as ``__cause__``."""


class StorageUnavailableError(StorageError):
    """The database cannot be opened or reached."""


class SchemaVersionError(StorageError):
    """The database schema is newer than this version of crmkit understands, or its version
    is not one crmkit ever writes (negative: another tool changed it).

    >>> str(SchemaVersionError(-1, 13))
    'database schema version -1 is not one crmkit writes (0 to 13): another tool changed it; \
restore the database from a backup'
    """

    def __init__(self, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        if found < 0:
            super().__init__(
                f"database schema version {found} is not one crmkit writes (0 to {supported}): "
                "another tool changed it; restore the database from a backup"
            )
            return
        super().__init__(
            f"database schema version {found} is newer than this crmkit supports "
            f"({supported}); upgrade crmkit before opening it"
        )


class ImportInterruptedError(CRMError):
    """An import committed in batches stopped part-way (a storage failure, an exception from
    the progress callback). The batches before were committed; nothing of the failed batch
    or after it was written. ``report`` holds the outcomes of the committed rows
    (``rows[:committed]``), ``total`` counts the rows given, ``__cause__`` is the failure.
    Importing the same rows again is safe: the rows already imported are matched, not
    duplicated.

    >>> from crmkit.importing import ImportReport, RowOutcome
    >>> done = ImportReport((RowOutcome(0, "created", "c-1"), RowOutcome(1, "error")), False)
    >>> err = ImportInterruptedError(done, 5, "database is locked")
    >>> err.committed, err.total
    (2, 5)
    >>> print(err)
    import stopped at rows[2] (database is locked): rows[0] to rows[1] were committed \
(1 created, 1 error), the other 3 rows were not written; import the same rows again to \
finish: rows already imported are matched, not duplicated
    """

    def __init__(self, report: _ImportOutcomes, total: int, reason: str = "") -> None:
        self.report = report
        self.committed = len(report.rows)
        self.total = total
        done = self.committed
        counts = ", ".join(f"{n} {action}" for action, n in report.summary().items())
        what = (
            "no row was committed" if not done
            else f"rows[0] was committed ({counts})" if done == 1
            else f"rows[0] to rows[{done - 1}] were committed ({counts})"
        )  # fmt: skip
        cause = f" ({reason})" if reason else ""
        super().__init__(
            f"import stopped at rows[{done}]{cause}: {what}, the other {total - done} rows "
            "were not written; import the same rows again to finish: rows already imported "
            "are matched, not duplicated"
        )


class ConfigurationError(CRMError):
    """crmkit is set up wrongly, e.g. an optional extra is not installed."""


class ModelError(CRMError, ArithmeticError):
    """A statistical model cannot be fitted or evaluated on this input."""


class ConvergenceWarning(UserWarning):
    """A model fit stopped before converging or ended on a parameter boundary."""
