"""The public face of the in-memory index: :class:`SegmentData` answers which contacts are in
a segment, through the in-memory evaluator (:mod:`crmkit.segments._evaluate`)."""

from __future__ import annotations

from datetime import datetime

from crmkit.contacts import Contact
from crmkit.segments._evaluate import evaluate
from crmkit.segments._index import SegmentIndex
from crmkit.segments._nodes import Segment

__all__ = ["SegmentData"]


class SegmentData(SegmentIndex):
    """Contacts, their organizations and behaviour, ready for segments to be evaluated on.

    Rows may be plain tuples (what a storage query returns) or crmkit values:
    interactions ``(contact_id, channel, direction, occurred_at)`` or :class:`Interaction`;
    purchases ``(contact_id, occurred_at, Money)`` or purchase :class:`Transaction`;
    open deals ``(contact_id, pipeline_id, stage)`` or :class:`Deal` (closed ones skipped);
    service cases ``(contact_id, open, reason, CSAT score or None)``;
    static lists ``{name: ids of its current members}`` (every list there is, so that
    :func:`~crmkit.segments.in_list` of any other name raises ``ListNotFoundError``).
    Rows about contacts not given are ignored.

    >>> from crmkit.segments import field, tag
    >>> from datetime import UTC, datetime
    >>> a = Contact.new(id="a", city="Sofia", tags={"vip"})
    >>> b = Contact.new(id="b", city="Varna")
    >>> data = SegmentData([a, b])
    >>> data.member_ids((field("city") == "SOFIA") & tag("vip"), now=datetime.now(UTC))
    ('a',)
    """

    def member_ids(self, segment: Segment, *, now: datetime) -> tuple[str, ...]:
        """Ids of the contacts in *segment* at *now*, in the order contacts were given."""
        ids = self.ids
        return tuple(ids[i] for i in sorted(evaluate(segment, self, now=now)))

    def members(self, segment: Segment, *, now: datetime) -> tuple[Contact, ...]:
        """The contacts in *segment* at *now*, in the order they were given."""
        cs = self.contacts
        return tuple(cs[i] for i in sorted(evaluate(segment, self, now=now)))

    def count(self, segment: Segment, *, now: datetime) -> int:
        """How many contacts are in *segment* at *now*."""
        return len(evaluate(segment, self, now=now))
