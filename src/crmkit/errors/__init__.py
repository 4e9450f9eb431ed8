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

from crmkit.errors._conflict import (
    AlreadyExistsError,
    ConflictError,
    DuplicateContactError,
    DuplicateNameError,
    ErasedContactError,
    MergeConflictError,
    StaleVersionError,
    SuppressedContactError,
    UniqueKeyError,
    UnmergeOrderError,
)
from crmkit.errors._lookup import (
    ConsentNotFoundError,
    ContactNotFoundError,
    CouponNotFoundError,
    DealNotFoundError,
    InteractionNotFoundError,
    LifecycleChangeNotFoundError,
    ListNotFoundError,
    MergeNotFoundError,
    MissingRateError,
    NotFoundError,
    OrganizationNotFoundError,
    PipelineNotFoundError,
    RecordNotFoundError,
    ReviewItemNotFoundError,
    SegmentNotFoundError,
    StageChangeNotFoundError,
    TaskNotFoundError,
    TransactionNotFoundError,
    UserNotFoundError,
)
from crmkit.errors._system import (
    ConfigurationError,
    ConvergenceWarning,
    ImportInterruptedError,
    ModelError,
    SchemaVersionError,
    StorageError,
    StorageUnavailableError,
)
from crmkit.errors._validation import (
    CouponError,
    CouponExpiredError,
    CouponIneligibleError,
    CouponUsedUpError,
    CRMError,
    CurrencyMismatchError,
    InsufficientPointsError,
    InvalidDatetimeError,
    InvalidEmailError,
    InvalidExternalIdError,
    InvalidHandleError,
    InvalidMoneyError,
    InvalidPhoneError,
    InvalidRecurrenceError,
    InvalidSegmentError,
    InvalidTransitionError,
    ReferralError,
    UnknownPurposeError,
    UnknownSkuError,
    UnsupportedSegmentError,
    ValidationError,
)

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

# The classes are crmkit.errors.X wherever they are written: tracebacks, pickles and docs
# name the public module.
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
