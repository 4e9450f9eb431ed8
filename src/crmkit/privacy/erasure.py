"""Erasing a person: what goes, what stays, and the marker that keeps them from coming back.

An erasure deletes the contact with everything that describes the person: name, identities,
address, birthday, tags, custom fields, interactions (bodies and summaries), deals and their
stage changes, tasks, lifecycle steps, consent records and static list memberships; merge
ledger entries the contact took part in lose their snapshots. Two things stay:

* the **ledger**, for the accounts: each entry keeps its id, kind, amount, currency, dates,
  order id and lines, loses its free-text note, and is detached from the contact: its
  ``contact_id`` becomes the erasure's id, a pseudonym shared by the entries of one erased
  person and by nobody else;
* a **suppression marker** per identity (email, phone, handle, external id): ``HMAC-SHA256(key,
  "email:besa@example.al")`` where the key is a random 32-byte salt of the workspace, mixed
  with the application's *pepper* when one is configured (``CRM(suppression_pepper=...)``).
  The salt lives in the database, so markers of two workspaces never match each other and a
  precomputed table of hashed emails is useless; the pepper lives outside the database (an
  environment secret), so a stolen database alone cannot be used to test guesses. A pepper
  must stay the same for the life of the workspace: a different one is detected (a check value
  is stored with the salt) and refused with :class:`crmkit.errors.ConfigurationError`.

The record of the erasure itself (:class:`ErasureRecord`) keeps the contact's id (a random
token that now names nobody), when, by whom, a reason and counts, so that erasing again is a
no-op returning the same record.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import JSONValue, parse_datetime
from crmkit.contacts import Contact, check_text
from crmkit.errors import ConfigurationError, ValidationError
from crmkit.identity.merging import MergeRecord
from crmkit.privacy.consent import suppression_hashes
from crmkit.value.ledger import Transaction

__all__ = [
    "ErasureRecord",
    "SuppressionKey",
    "anonymised_transaction",
    "check_pepper",
    "identity_field",
    "new_salt",
    "scrubbed_merge",
]

_CHECK_MESSAGE = b"crmkit suppression key check v1"


def new_salt() -> str:
    """A fresh random salt for a workspace's suppression markers (64 hex characters)."""
    return secrets.token_hex(32)


def check_pepper(pepper: str | bytes | None) -> bytes:
    """The pepper as bytes (empty when none): at least 16 bytes of application secret."""
    if pepper is None:
        return b""
    key = pepper.encode("utf-8") if isinstance(pepper, str) else pepper
    if not isinstance(key, bytes) or len(key) < 16:
        raise ValidationError("suppression_pepper", "<secret>", "a secret of at least 16 bytes")
    return key


@attrs.frozen
class SuppressionKey:
    """The key a workspace's suppression markers are computed with.

    >>> key = SuppressionKey.derive("00" * 32, pepper="an application secret")
    >>> marks = key.markers(["email:besa@example.al"])
    >>> marks == key.markers(["email:besa@example.al"]), len(next(iter(marks)))
    (True, 64)
    >>> SuppressionKey.derive("00" * 32).markers(["email:besa@example.al"]) == marks
    False
    """

    secret: bytes = attrs.field(repr=False)
    check: str

    @classmethod
    def derive(cls, salt: str, *, pepper: str | bytes | None = None) -> SuppressionKey:
        """The key from the workspace's stored *salt* (hex) and the application's pepper."""
        try:
            salt_bytes = bytes.fromhex(salt)
        except ValueError as exc:
            raise ValidationError("salt", salt, "expected hex text") from exc
        secret = hmac.new(check_pepper(pepper) or salt_bytes, salt_bytes, hashlib.sha256).digest()
        check = hmac.new(secret, _CHECK_MESSAGE, hashlib.sha256).hexdigest()[:32]
        return cls(secret, check)

    def verify(self, stored_check: str) -> SuppressionKey:
        """Refuse a pepper other than the one the workspace's markers were made with."""
        if not hmac.compare_digest(self.check, stored_check):
            raise ConfigurationError(
                "the suppression_pepper differs from the one this workspace's erasures were "
                "recorded with; configure the original pepper, or erased people would come back"
            )
        return self

    def marker(self, identity_key: str) -> str:
        """The marker of one identity key (``Contact.identity_keys()`` form)."""
        return hmac.new(self.secret, identity_key.encode("utf-8"), hashlib.sha256).hexdigest()

    def markers(self, identity_keys: Iterable[str]) -> frozenset[str]:
        """The same as :func:`crmkit.privacy.consent.suppression_hashes` with this key."""
        return suppression_hashes(identity_keys, salt=self.secret)


def identity_field(key: str) -> tuple[str, str]:
    """The field name and value an identity key stands for, for error messages.

    >>> identity_field("email:besa@example.al"), identity_field("handle:instagram:besa.kola")
    (('email', 'besa@example.al'), ('handle', 'instagram:besa.kola'))
    >>> identity_field("external:shopify:1042"), identity_field("external::1042")
    (('external_id', 'shopify:1042'), ('external_id', '1042'))
    """
    kind, _, value = key.partition(":")
    if kind == "external":
        return "external_id", value.removeprefix(":")
    return kind, value


@attrs.frozen
class ErasureRecord:
    """That a contact was erased: when, by whom, why, and how much was removed.

    ``contact_ids`` are the erased contact and the contacts merged into it earlier (they were
    the same person); ``removed`` counts records per kind; ``markers`` counts the suppression
    markers kept.
    """

    id: str
    contact_ids: tuple[str, ...]
    at: datetime
    by: str | None = None
    reason: str | None = None
    markers: int = 0
    removed: Mapping[str, int] = attrs.field(factory=dict)

    @property
    def contact_id(self) -> str:
        return self.contact_ids[0]

    @staticmethod
    def check_reason(reason: Any) -> str | None:
        if reason is None:
            return None
        if not isinstance(reason, str):
            raise ValidationError("reason", reason, "expected a string")
        check_text("reason", reason)
        return reason

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "contact_ids": list(self.contact_ids),
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "markers": self.markers,
            "removed": dict(self.removed),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErasureRecord:
        return cls(
            id=data["id"],
            contact_ids=tuple(data["contact_ids"]),
            at=parse_datetime(data["at"], "at"),
            by=data.get("by"),
            reason=data.get("reason"),
            markers=int(data.get("markers", 0)),
            removed=dict(data.get("removed", {})),
        )


def anonymised_transaction(t: Transaction, erasure_id: str) -> Transaction:
    """The ledger entry as the accounts keep it after an erasure: the amounts, dates, order
    and lines stay; the free-text note goes; the contact becomes the erasure's pseudonym."""
    return attrs.evolve(t, contact_id=erasure_id, note=None)


def _blank(contact: Contact) -> Contact:
    return Contact(
        id=contact.id,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        version=contact.version,
    )


def scrubbed_merge(record: MergeRecord, at: datetime) -> MergeRecord:
    """The merge ledger entry without personal data; it can no longer be undone."""
    return attrs.evolve(
        record,
        survivor_before=_blank(record.survivor_before),
        merged_before=_blank(record.merged_before),
        survivor_after=_blank(record.survivor_after),
        moved={},
        erased_at=at,
        reviews=(),  # the review items as they were, naming the erased contact
    )
