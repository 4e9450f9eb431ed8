"""Consent, audiences and the privacy duties around a person's data.

* :class:`ConsentRecord` - one grant or withdrawal, for a purpose, on a channel (or all).
* :func:`may_contact` - the latest record for the purpose and channel decides; no record,
  no contact (and, if asked, no withdrawal since).
* :func:`audience` - who of a set of contacts may be contacted, with the address to use.
* :func:`suppression_hashes` / :func:`is_suppressed` - after an erasure only salted hashes of
  the person's identities remain, so a re-import can recognise and skip them.
* :func:`export_person` - everything held on a person, as JSON-ready data (it lives in
  :mod:`crmkit.privacy.person_export`; importing it from here keeps working).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._types import JSONValue, ensure_aware, new_id, parse_datetime
from crmkit.contacts import Contact, check_text
from crmkit.errors import UnknownPurposeError, ValidationError
from crmkit.identity.normalize import (
    identity_key,
    normalize_channel,
    normalize_email,
    normalize_handle,
    normalize_phone,
)

__all__ = [
    "DEFAULT_PURPOSES",
    "AudienceMember",
    "ConsentRecord",
    "audience",
    "check_purpose",
    "check_purposes",
    "contact_address",
    "deciding_record",
    "export_person",
    "is_suppressed",
    "may_contact",
    "suppression_hashes",
]

#: Purposes crmkit knows; pass ``purposes=DEFAULT_PURPOSES | {"loyalty_club"}`` to extend.
DEFAULT_PURPOSES = frozenset(
    {
        "marketing_email",
        "marketing_sms",
        "marketing_phone",
        "marketing_messaging",  # WhatsApp, Viber, Telegram and social direct messages
        "marketing_post",
        "profiling",
        "analytics",
        "third_party_sharing",
    }
)

# Messaging apps address people by handle when they have one, else by phone number.
_PHONE_CHANNELS = frozenset({"phone", "sms"})
_PHONE_OR_HANDLE = frozenset({"whatsapp", "viber", "telegram", "signal"})


def check_purpose(value: Any, purposes: Collection[str] = DEFAULT_PURPOSES) -> str:
    """*value* if it is one of *purposes*, else :class:`crmkit.errors.UnknownPurposeError`.

    >>> check_purpose("marketing_email")
    'marketing_email'
    >>> check_purpose("loyalty_club", DEFAULT_PURPOSES | {"loyalty_club"})
    'loyalty_club'
    """
    if not isinstance(value, str) or value not in purposes:
        raise UnknownPurposeError("purpose", value, f"one of {', '.join(sorted(purposes))}")
    return value


def check_purposes(purposes: Iterable[str]) -> frozenset[str]:
    """A validated set of purpose names (lower-case words joined by ``_``), for
    ``CRM(purposes=DEFAULT_PURPOSES | {"loyalty_club"})``.

    >>> sorted(check_purposes(["loyalty_club", "marketing_email"]))
    ['loyalty_club', 'marketing_email']
    """
    if isinstance(purposes, str):
        raise ValidationError("purposes", purposes, "a collection of purpose names, not one")
    out = frozenset(purposes)
    for name in out:
        if (
            not isinstance(name, str)
            or not name
            or not name.replace("_", "").isalnum()
            or name != name.lower()
        ):
            raise ValidationError("purposes", name, "lower-case letters, digits and _")
    if not out:
        raise ValidationError("purposes", purposes, "at least one purpose")
    return out


def _channel(value: Any) -> str | None:
    return None if value is None else normalize_channel(value)


@attrs.frozen
class ConsentRecord:
    """One grant (``granted=True``) or withdrawal of consent, with where it came from.

    ``channel=None`` covers every channel of the purpose.

    >>> from datetime import UTC, datetime
    >>> r = ConsentRecord.new(contact_id="c1", purpose="marketing_email", channel="email",
    ...                       granted=True, at=datetime(2026, 3, 1, tzinfo=UTC),
    ...                       source="webform", proof="Ticked the newsletter box on /signup")
    >>> ConsentRecord.from_dict(r.to_dict()) == r
    True
    """

    id: str
    contact_id: str
    purpose: str
    channel: str | None
    granted: bool
    at: datetime
    source: str | None = None
    proof: str | None = None

    @classmethod
    def new(
        cls,
        *,
        contact_id: str,
        purpose: str,
        granted: bool,
        at: datetime,
        channel: str | None = None,
        source: str | None = None,
        proof: str | None = None,
        id: str | None = None,
        purposes: Collection[str] = DEFAULT_PURPOSES,
    ) -> ConsentRecord:
        """Validate every field; an unknown purpose raises :class:`ValidationError`."""
        if not isinstance(contact_id, str) or not contact_id:
            raise ValidationError("contact_id", contact_id, "expected a contact id")
        if not isinstance(granted, bool):
            raise ValidationError("granted", granted, "True for a grant, False for a withdrawal")
        for name, text in (("source", source), ("proof", proof)):
            if text is not None:
                if not isinstance(text, str):
                    raise ValidationError(name, text, "expected a string")
                check_text(name, text)
        return cls(
            id=id or new_id(),
            contact_id=contact_id,
            purpose=check_purpose(purpose, purposes),
            channel=_channel(channel),
            granted=granted,
            at=ensure_aware(at, "at"),
            source=source,
            proof=proof,
        )

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "purpose": self.purpose,
            "channel": self.channel,
            "granted": self.granted,
            "at": self.at.isoformat(),
            "source": self.source,
            "proof": self.proof,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentRecord:
        """Read what :meth:`to_dict` wrote (trusted data: the purpose is not re-checked)."""
        return cls(
            id=data["id"],
            contact_id=data["contact_id"],
            purpose=data["purpose"],
            channel=data.get("channel"),
            granted=bool(data["granted"]),
            at=parse_datetime(data["at"], "at"),
            source=data.get("source"),
            proof=data.get("proof"),
        )


def deciding_record(
    records: Iterable[ConsentRecord],
    purpose: str,
    channel: str,
    at: datetime,
    *,
    purposes: Collection[str] = DEFAULT_PURPOSES,
) -> ConsentRecord | None:
    """The record that decides consent for *purpose* on *channel* at *at*: the latest one
    for the purpose on that channel or on every channel. At equal times a withdrawal wins."""
    wanted = check_purpose(purpose, purposes)
    chan = normalize_channel(channel)
    when = ensure_aware(at, "at")
    best: ConsentRecord | None = None
    for r in records:
        if r.purpose != wanted or r.channel not in (None, chan) or r.at > when:
            continue
        if best is None or (r.at, not r.granted) > (best.at, not best.granted):
            best = r
    return best


def may_contact(
    records: Iterable[ConsentRecord],
    purpose: str,
    channel: str,
    at: datetime,
    *,
    purposes: Collection[str] = DEFAULT_PURPOSES,
    later_withdrawals: bool = False,
) -> bool:
    """Whether the latest record for *purpose* on *channel* up to *at* is a grant.

    With ``later_withdrawals=True`` consent must also not have been withdrawn by any record
    after *at*: for acting now on behalf of *at* (a run for the start of a day, a replay of a
    missed day), where a withdrawal recorded since must still win.

    >>> from datetime import UTC, datetime
    >>> d = lambda day: datetime(2026, 3, day, tzinfo=UTC)
    >>> rs = [ConsentRecord.new(contact_id="c1", purpose="marketing_sms", granted=True, at=d(1)),
    ...       ConsentRecord.new(contact_id="c1", purpose="marketing_sms", channel="sms",
    ...                         granted=False, at=d(9))]
    >>> may_contact(rs, "marketing_sms", "sms", d(5))
    True
    >>> may_contact(rs, "marketing_sms", "sms", d(10))
    False
    >>> may_contact(rs, "marketing_sms", "sms", d(5), later_withdrawals=True)
    False
    """
    mine = list(records) if later_withdrawals else records
    record = deciding_record(mine, purpose, channel, at, purposes=purposes)
    if record is None or not record.granted:
        return False
    if not later_withdrawals:
        return True
    latest = max(r.at for r in mine)
    return latest <= at or may_contact(mine, purpose, channel, latest, purposes=purposes)


def contact_address(contact: Contact, channel: str) -> str | None:
    """The address to reach *contact* on *channel*: the first email for ``email``, the first
    E.164 phone for ``phone``/``sms``, the handle (else the phone) for messaging apps, the
    postal address for ``post``, the handle for any other channel.

    >>> c = Contact.new(emails=["ana@firma.pl"], phones=["+48 601 234 567"],
    ...                 address="ul. Długa 5", postcode="00-238", city="Warszawa")
    >>> contact_address(c, "email"), contact_address(c, "whatsapp"), contact_address(c, "instagram")
    ('ana@firma.pl', '+48601234567', None)
    >>> contact_address(c, "post")
    'ul. Długa 5, 00-238 Warszawa'
    """
    chan = normalize_channel(channel)
    if chan == "email":
        return contact.emails[0] if contact.emails else None
    if chan == "post":
        # A letter needs a street address; the town alone does not reach anybody.
        if contact.address is None:
            return None
        town = " ".join(p for p in (contact.postcode, contact.city) if p)
        return f"{contact.address}, {town}" if town else contact.address
    phone = contact.phones[0] if contact.phones else None
    if chan in _PHONE_CHANNELS:
        return phone
    handle = contact.handles.get(chan)
    if handle is None and chan in _PHONE_OR_HANDLE:
        return phone
    return handle


@attrs.frozen
class AudienceMember:
    contact: Contact
    address: str


def audience(
    contacts: Iterable[Contact],
    consents: Iterable[ConsentRecord],
    *,
    purpose: str,
    channel: str,
    at: datetime,
    purposes: Collection[str] = DEFAULT_PURPOSES,
) -> tuple[AudienceMember, ...]:
    """The contacts who may be contacted for *purpose* on *channel* at *at*, each with the
    address to use; contacts without consent or without an address are left out."""
    check_purpose(purpose, purposes)
    by_contact: dict[str, list[ConsentRecord]] = {}
    for r in consents:
        by_contact.setdefault(r.contact_id, []).append(r)
    out = []
    for c in contacts:
        records = by_contact.get(c.id)
        if not records or not may_contact(records, purpose, channel, at, purposes=purposes):
            continue
        address = contact_address(c, channel)
        if address is not None:
            out.append(AudienceMember(c, address))
    return tuple(out)


def _key_bytes(salt: str | bytes) -> bytes:
    key = salt.encode() if isinstance(salt, str) else salt
    if not isinstance(key, bytes) or len(key) < 8:
        raise ValidationError("salt", salt, "a per-workspace secret of at least 8 bytes")
    return key


def suppression_hashes(identity_keys: Iterable[str], *, salt: str | bytes) -> frozenset[str]:
    """Salted SHA-256 (HMAC) of each identity key, e.g. from ``contact.identity_keys()``.

    The hashes keep no readable personal data, and without the workspace's salt they cannot
    be matched against a list of known emails.

    >>> c = Contact.new(emails=["besa@example.al"], phones=["+355691234567"])
    >>> marks = suppression_hashes(c.identity_keys(), salt="acme-secret")
    >>> is_suppressed(marks, salt="acme-secret", email="Besa@Example.AL")
    True
    >>> is_suppressed(marks, salt="acme-secret", phone="+355 69 765 4321")
    False
    """
    key = _key_bytes(salt)
    return frozenset(
        hmac.new(key, k.encode("utf-8"), hashlib.sha256).hexdigest() for k in identity_keys
    )


def is_suppressed(
    hashes: Collection[str],
    *,
    salt: str | bytes,
    email: str | None = None,
    phone: str | None = None,
    handle: tuple[str, str] | None = None,
    region: str | None = None,
) -> bool:
    """Whether any of the incoming identities belongs to an erased person (normalised as on
    contacts, so "Besa@Example.AL" matches a stored "besa@example.al")."""
    keys = []
    if email is not None:
        keys.append(identity_key("email", normalize_email(email)))
    if phone is not None:
        keys.append(identity_key("phone", normalize_phone(phone, region)))
    if handle is not None:
        chan, text = normalize_handle(*handle)
        keys.append(identity_key("handle", text, channel=chan))
    return not suppression_hashes(keys, salt=salt).isdisjoint(hashes)


# Re-exported: the subject access request's file was written here first.
from crmkit.privacy.person_export import export_person  # noqa: E402
