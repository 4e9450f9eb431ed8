"""Explicit mapping between domain values and table rows (no ORM instruments the domain)."""

from __future__ import annotations

from typing import Any

from crmkit.contacts import Contact
from crmkit.interactions import Direction, Interaction
from crmkit.storage.sql._folded import CONTACT_FOLDED, folded, twins
from crmkit.storage.sql._session import Dialect, Row

__all__ = [
    "CONTACT_COLUMNS",
    "CONTACT_WRITE_COLUMNS",
    "INTERACTION_COLUMNS",
    "contact_from_row",
    "contact_to_row",
    "interaction_from_row",
    "interaction_to_row",
]

CONTACT_COLUMNS = (
    "id",
    "name",
    "given_name",
    "family_name",
    "emails",
    "phones",
    "handles",
    "region",
    "city",
    "address",
    "postcode",
    "birthday",
    "organization_id",
    "tags",
    "custom",
    "owner",
    "lifecycle_stage",
    "shared",
    "created_at",
    "updated_at",
    "version",
    "external_ids",
    "extra_handles",
)
#: What :func:`contact_to_row` writes: the columns read back, then the folded twins
#: (:mod:`crmkit.storage.sql._folded`), which are only ever compared, never read.
CONTACT_WRITE_COLUMNS = CONTACT_COLUMNS + twins(CONTACT_FOLDED)

INTERACTION_COLUMNS = (
    "id",
    "contact_id",
    "channel",
    "direction",
    "occurred_at",
    "summary",
    "body",
    "handled_by",
    "outcome",
    "deal_id",
    "task_id",
    "created_at",
    "via",
)


def contact_to_row(c: Contact, d: Dialect) -> tuple[Any, ...]:
    """The values of :data:`CONTACT_WRITE_COLUMNS`, folded twins included."""
    return (
        c.id,
        c.name,
        c.given_name,
        c.family_name,
        d.json(list(c.emails)),
        d.json(list(c.phones)),
        d.json(dict(c.handles)),
        c.region,
        c.city,
        c.address,
        c.postcode,
        None if c.birthday is None else d.day(c.birthday),
        c.organization_id,
        d.json(sorted(c.tags)),
        d.json(dict(c.custom)),
        c.owner,
        c.lifecycle_stage,
        d.json(sorted(c.shared_identities)),
        d.ts(c.created_at),
        d.ts(c.updated_at),
        c.version,
        d.json([list(pair) for pair in c.external_ids]),
        d.json([list(pair) for pair in c.extra_handles]),
        *folded(c, CONTACT_FOLDED),
    )


def contact_from_row(r: Row, d: Dialect) -> Contact:
    return Contact(
        id=r[0],
        name=r[1],
        given_name=r[2],
        family_name=r[3],
        emails=tuple(d.json_out(r[4])),
        phones=tuple(d.json_out(r[5])),
        handles=d.json_out(r[6]),
        region=r[7],
        city=r[8],
        address=r[9],
        postcode=r[10],
        birthday=None if r[11] is None else d.day_out(r[11]),
        organization_id=r[12],
        tags=frozenset(d.json_out(r[13])),
        custom=d.json_out(r[14]),
        owner=r[15],
        lifecycle_stage=r[16],
        shared_identities=frozenset(d.json_out(r[17])),
        created_at=d.ts_out(r[18]),
        updated_at=d.ts_out(r[19]),
        version=r[20],
        external_ids=tuple((s, v) for s, v in d.json_out(r[21])),
        extra_handles=tuple((c, h) for c, h in d.json_out(r[22])),
    )


def interaction_to_row(i: Interaction, d: Dialect) -> tuple[Any, ...]:
    return (
        i.id,
        i.contact_id,
        i.channel,
        i.direction.value,
        d.ts(i.occurred_at),
        i.summary,
        i.body,
        i.handled_by,
        i.outcome,
        i.deal_id,
        i.task_id,
        d.ts(i.created_at),
        i.via,
    )


# A dict lookup instead of calling the enum: timelines decode this on every row.
_DIRECTION = {d.value: d for d in Direction}


def interaction_from_row(r: Row, d: Dialect) -> Interaction:
    return Interaction(
        id=r[0],
        contact_id=r[1],
        channel=r[2],
        direction=_DIRECTION[r[3]],
        occurred_at=d.ts_out(r[4]),
        summary=r[5],
        body=r[6],
        handled_by=r[7],
        outcome=r[8],
        deal_id=r[9],
        task_id=r[10],
        created_at=d.ts_out(r[11]),
        via=r[12],
    )
