"""People: the frozen value at the centre of the memory (organisations: crmkit.organizations)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeAlias

import attrs

from crmkit._fields import clean_custom, clean_region, clean_tags, clean_text_field
from crmkit._identity_fields import (
    clean_external_ids,
    clean_extra_handles,
    clean_handles,
    combine_handles,  # kept importable from here, where it was
    unique,
    values_of,
)
from crmkit._normalize import (
    identity_key,
    normalize_email,
    normalize_phone,
    phone_is_valid,
)
from crmkit._text_limits import check_text
from crmkit._types import JSONValue, ensure_aware, ensure_date, new_id, parse_datetime, utcnow
from crmkit.errors import ValidationError

# Organization moved to its own module; still importable from here, as before.
from crmkit.organizations import Organization

__all__ = [
    "SCALAR_TEXT_FIELDS",
    "Contact",
    "ExternalIds",
    "Organization",
    "check_text",
    "clean_custom",
    "clean_tags",
    "combine_handles",
]

#: What a contact's ``external_ids`` may be given as: one id (``"1042"``, ``1042``), a
#: ``(system, id)`` pair, a list of those, or a mapping of system to id.
ExternalIds: TypeAlias = (
    str
    | int
    | tuple[str | None, str | int]
    | Iterable[str | int | tuple[str | None, str | int]]
    | Mapping[str, str | int]
)

#: The contact's one-value text fields: what segments compare as text, what SQL backends keep
#: a folded twin of, and (with ``birthday``) what a merge fills from either side.
SCALAR_TEXT_FIELDS = (
    "name",
    "given_name",
    "family_name",
    "region",
    "city",
    "address",
    "postcode",
    "organization_id",
    "owner",
    "lifecycle_stage",
)

_TEXT_FIELDS = ("name", "given_name", "family_name", "city", "address", "postcode", "owner")


@attrs.frozen(eq=True)
class Contact:
    """One recognised person, across every channel they used.

    Build new ones with :meth:`Contact.new`, which validates and normalises every field;
    change them with :meth:`Contact.changed`, which returns the next version.

    >>> c = Contact.new(name="Besa Kola", emails=["Besa@Example.AL"], phones=["069 123 4567"],
    ...                 handles={"instagram": "@besa.kola"}, region="AL", tags={"VIP"})
    >>> c.emails, c.phones, c.handles, c.tags
    (('besa@example.al',), ('+355691234567',), {'instagram': 'besa.kola'}, frozenset({'vip'}))
    """

    id: str
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    handles: Mapping[str, str] = attrs.field(factory=dict)
    # More handles on a network that already has one in ``handles`` (a person's second
    # Instagram account, typically kept by a merge), as (channel, handle) pairs. Each is an
    # identity like the one in ``handles``; ``handles`` stays one per network for callers
    # that want "the" handle of a channel.
    extra_handles: tuple[tuple[str, str], ...] = ()
    # (system or None, id) pairs: ids of this person in other systems (a shop, a ticketing
    # tool); each is an identity like an email. Kept in order, all of them through merges.
    external_ids: tuple[tuple[str | None, str], ...] = ()
    region: str | None = None
    city: str | None = None
    address: str | None = None
    postcode: str | None = None
    birthday: date | None = None
    organization_id: str | None = None
    tags: frozenset[str] = frozenset()
    custom: Mapping[str, JSONValue] = attrs.field(factory=dict)
    owner: str | None = None
    lifecycle_stage: str | None = None
    shared_identities: frozenset[str] = frozenset()
    created_at: datetime = attrs.field(factory=utcnow)
    updated_at: datetime = attrs.field(factory=utcnow)
    version: int = 1

    @classmethod
    def new(
        cls,
        *,
        id: str | None = None,
        default_region: str | None = None,
        now: datetime | None = None,
        **fields: Any,
    ) -> Contact:
        """Validate and normalise *fields* into a new contact (version 1)."""
        at = ensure_aware(now, "now") if now is not None else utcnow()
        # Built once from the cleaned fields over the defaults, not built and then evolved:
        # an import drafts a contact per row.
        changes = _BLANK._changes(fields, default_region=default_region, now=at, bump=False)
        return cls(id=id or new_id(), created_at=at, **changes)

    @classmethod
    def _new_normalised(
        cls,
        *,
        now: datetime,
        emails: tuple[str, ...],
        phones: tuple[str, ...],
        handles: Mapping[str, str],
        external_ids: tuple[tuple[str | None, str], ...],
        fields: Mapping[str, Any],
    ) -> Contact:
        """:meth:`new` for identities already normalised (an import row's, by
        :func:`crmkit.importing.parse_row`); the other *fields* are validated as ``new`` does.

        Normalising them again cost an import a second parse of every email and phone, and
        would strip a handle's URL prefix a second time (``instagram.com/instagram.com/x``),
        so that the contact held another handle than the one its row was matched on.
        """
        if not isinstance(handles, dict):  # one Mapping type stored, as ``new`` stores
            handles = dict(handles)
        changes = _BLANK._changes(fields, default_region=None, now=now, bump=False)
        return cls(
            id=new_id(),
            created_at=now,
            emails=emails,
            phones=phones,
            handles=handles,
            external_ids=external_ids,
            **changes,
        )

    def changed(
        self, *, default_region: str | None = None, now: datetime | None = None, **fields: Any
    ) -> Contact:
        """The next version with *fields* replaced (validated like :meth:`new`).

        >>> c = Contact.new(name="Besa", city="Tiranë")
        >>> c2 = c.changed(city="Durrës")
        >>> (c2.city, c2.version, c.city)
        ('Durrës', 2, 'Tiranë')
        """
        at = ensure_aware(now, "now") if now is not None else utcnow()
        return self._apply(fields, default_region=default_region, now=at, bump=True)

    def _apply(
        self, fields: Mapping[str, Any], *, default_region: str | None, now: datetime, bump: bool
    ) -> Contact:
        changes = self._changes(fields, default_region=default_region, now=now, bump=bump)
        return attrs.evolve(self, **changes)

    def _changes(
        self, fields: Mapping[str, Any], *, default_region: str | None, now: datetime, bump: bool
    ) -> dict[str, Any]:
        """The cleaned values of *fields* (and the version and time they bring)."""
        unknown = set(fields) - _SETTABLE
        if unknown:
            name = sorted(unknown)[0]
            raise ValidationError(name, fields[name], "not a contact field")
        changes: dict[str, Any] = {}
        region = clean_region(fields["region"]) if "region" in fields else self.region
        for name in _TEXT_FIELDS:
            if name in fields:
                changes[name] = clean_text_field(name, fields[name])
        if "region" in fields:
            changes["region"] = region
        phone_region = region or default_region
        if "emails" in fields:
            changes["emails"] = unique(normalize_email(e) for e in values_of("emails", fields))
        if "phones" in fields:
            changes["phones"] = unique(
                normalize_phone(p, phone_region) for p in values_of("phones", fields)
            )
        if "handles" in fields:
            changes["handles"] = clean_handles(fields["handles"])
        if "handles" in fields or "extra_handles" in fields:
            extras = (
                clean_extra_handles(fields["extra_handles"])
                if "extra_handles" in fields
                else self.extra_handles
            )
            primary = changes.get("handles", self.handles)
            changes["extra_handles"] = tuple(p for p in extras if primary.get(p[0]) != p[1])
        if "external_ids" in fields:
            changes["external_ids"] = clean_external_ids(fields["external_ids"])
        if "birthday" in fields:
            bday = fields["birthday"]
            changes["birthday"] = None if bday is None else ensure_date(bday, "birthday")
        if "organization_id" in fields:
            changes["organization_id"] = clean_text_field(
                "organization_id", fields["organization_id"]
            )
        if "tags" in fields:
            changes["tags"] = clean_tags(fields["tags"])
        if "custom" in fields:
            changes["custom"] = clean_custom(fields["custom"])
        if "lifecycle_stage" in fields:
            changes["lifecycle_stage"] = clean_text_field(
                "lifecycle_stage", fields["lifecycle_stage"]
            )
        if not changes.get("name", self.name) and (
            "given_name" in changes or "family_name" in changes
        ):
            parts = [
                changes.get("given_name", self.given_name),
                changes.get("family_name", self.family_name),
            ]
            changes["name"] = " ".join(p for p in parts if p) or None
        if bump:
            changes["version"] = self.version + 1
        changes["updated_at"] = now
        return changes

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form that :meth:`from_dict` reads back to an equal contact.

        >>> c = Contact.new(name="Ëngjëll", tags={"vip"}, birthday="1990-05-01")
        >>> Contact.from_dict(c.to_dict()) == c
        True
        """
        return {
            "id": self.id,
            "name": self.name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "emails": list(self.emails),
            "phones": list(self.phones),
            "handles": dict(self.handles),
            "extra_handles": [list(pair) for pair in self.extra_handles],
            "external_ids": [list(pair) for pair in self.external_ids],
            "region": self.region,
            "city": self.city,
            "address": self.address,
            "postcode": self.postcode,
            "birthday": None if self.birthday is None else self.birthday.isoformat(),
            "organization_id": self.organization_id,
            "tags": sorted(self.tags),
            "custom": dict(self.custom),
            "owner": self.owner,
            "lifecycle_stage": self.lifecycle_stage,
            "shared_identities": sorted(self.shared_identities),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Contact:
        """Read what :meth:`to_dict` wrote (trusted data: identities are not re-normalised)."""
        bday = data.get("birthday")
        return cls(
            id=data["id"],
            name=data.get("name"),
            given_name=data.get("given_name"),
            family_name=data.get("family_name"),
            emails=tuple(data.get("emails", ())),
            phones=tuple(data.get("phones", ())),
            handles=dict(data.get("handles", {})),
            extra_handles=tuple((c, h) for c, h in data.get("extra_handles", ())),
            external_ids=tuple((s, v) for s, v in data.get("external_ids", ())),
            region=data.get("region"),
            city=data.get("city"),
            address=data.get("address"),
            postcode=data.get("postcode"),
            birthday=None if bday is None else date.fromisoformat(bday),
            organization_id=data.get("organization_id"),
            tags=frozenset(data.get("tags", ())),
            custom=dict(data.get("custom", {})),
            owner=data.get("owner"),
            lifecycle_stage=data.get("lifecycle_stage"),
            shared_identities=frozenset(data.get("shared_identities", ())),
            created_at=parse_datetime(data["created_at"], "created_at"),
            updated_at=parse_datetime(data["updated_at"], "updated_at"),
            version=int(data.get("version", 1)),
        )

    def restamped(self, at: datetime) -> Contact:
        """This version as made at *at* (``created_at`` and ``updated_at``), nothing else
        changed. What was worked out from it (identity keys, the identity engine's folded
        forms and blocking keys) depends on no timestamp and carries over: an import drafts
        each row's contact up front and stamps it when the row is written.

        >>> c = Contact.new(name="Besa Kola", emails=["besa@example.al"])
        >>> later = c.restamped(c.created_at.replace(year=2030))
        >>> later.created_at.year, later.updated_at.year, later.identity_keys() == c.identity_keys()
        (2030, 2030, True)
        """
        # Built positionally rather than with attrs.evolve, which reads the fields by name:
        # three times as fast, and an import restamps every contact it creates.
        *head, _, _, version = _ALL_FIELDS(self)
        stamped = Contact(*(*head, at, at, version))
        for name in ("_derived", "_identity_keys"):
            try:  # the cached value if there is one, without working it out
                worked_out = object.__getattribute__(self, name)
            except AttributeError:
                continue
            object.__setattr__(stamped, name, worked_out)
        return stamped

    @property
    def invalid_phones(self) -> tuple[str, ...]:
        """Numbers kept because they are possible (the right length) but not valid for their
        country's numbering plan: worth checking with the person.

        >>> Contact.new(phones=["+355 69 123 4567", "+355 69 12 34"]).invalid_phones
        ('+355691234',)
        """
        return tuple(p for p in self.phones if not phone_is_valid(p))

    @property
    def all_handles(self) -> tuple[tuple[str, str], ...]:
        """Every ``(channel, handle)`` pair: the one per network in ``handles``, then the extras.

        >>> Contact.new(handles={"instagram": "besa"},
        ...             extra_handles=[("instagram", "besa.shop")]).all_handles
        (('instagram', 'besa'), ('instagram', 'besa.shop'))
        """
        return (*self.handles.items(), *self.extra_handles)

    def identity_keys(self) -> frozenset[str]:
        """Every identity this contact is known by, as index keys.

        >>> sorted(Contact.new(emails=["a@b.pl"], handles={"instagram": "ab"},
        ...                    external_ids=[("shopify", 1042)]).identity_keys())
        ['email:a@b.pl', 'external:shopify:1042', 'handle:instagram:ab']
        """
        return self._identity_keys

    @functools.cached_property
    def _derived(self) -> dict[str, Any]:
        """Room for what other modules work out from this version (the identity engine's
        folded forms and blocking keys): a version never changes, so they never go stale,
        and an import asks for them several times per contact."""
        return {}

    # Worked out once per version: an import asks each contact it touches five times or so
    # (matching, the uniqueness checks of the batch and of the store, suppression).
    @functools.cached_property
    def _identity_keys(self) -> frozenset[str]:
        keys = {identity_key("email", e) for e in self.emails}
        keys.update(identity_key("phone", p) for p in self.phones)
        keys.update(identity_key("handle", h, channel=c) for c, h in self.all_handles)
        keys.update(identity_key("external", x, channel=s) for s, x in self.external_ids)
        return frozenset(keys)

    def exclusive_identity_keys(self) -> frozenset[str]:
        """Identities that must point at this contact alone (not marked shared)."""
        return self.identity_keys() - self.shared_identities


# What Contact.new and Contact.changed accept (the rest is kept by crmkit itself).
_SETTABLE = frozenset(a.name for a in attrs.fields(Contact)) - {
    "id",
    "created_at",
    "updated_at",
    "version",
    "shared_identities",
}
# Every field of a contact, in the order of Contact's positional arguments; the last three
# are created_at, updated_at and version.
_ALL_FIELDS = operator.attrgetter(*(a.name for a in attrs.fields(Contact)))
assert [a.name for a in attrs.fields(Contact)][-3:] == ["created_at", "updated_at", "version"]
# The defaults a new contact's fields are validated against (Contact.new).
_BLANK = Contact(id="")
