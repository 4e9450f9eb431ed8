"""Attribution: which campaign brought a contact, and which one a purchase was made under.

A campaign **touches** a contact when its launch messaged them (treated and consenting; a
held-out or unconsenting member got nothing). Touches are ordered by launch time, then by
the membership's id (launch order). A contact's **first touch** (their source campaign) is
their earliest touch; a purchase's **last touch** is the latest touch at or before it, if
the purchase falls within the window after that launch. Both are read from the contact's
memberships, so they move with merges, return with unmerges and go with erasure like the
memberships themselves.

Everything here is pure; ``crm.campaigns`` and the report read the memberships.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from crmkit.marketing.campaign import CampaignMember

__all__ = ["Attribution", "attribution", "first_touch", "last_touch"]


def _touches(members: Iterable[CampaignMember]) -> list[CampaignMember]:
    return sorted((m for m in members if m.messaged), key=lambda m: (m.at, m.id))


def first_touch(members: Iterable[CampaignMember], *, until: datetime | None = None) -> str | None:
    """The campaign id of the earliest touch among *members* (one contact's memberships),
    launched no later than *until* if given; ``None`` if none touched them.

    >>> from datetime import UTC
    >>> from crmkit.marketing.campaign import Group
    >>> t = datetime(2027, 3, 1, tzinfo=UTC)
    >>> ms = [CampaignMember("m2", "spring", "c1", Group.TREATED, True, t),
    ...       CampaignMember("m1", "winter", "c1", Group.HELD_OUT, True, t - timedelta(days=90))]
    >>> first_touch(ms)  # held out of winter's: spring reached them first
    'spring'
    """
    found = [m for m in _touches(members) if until is None or m.at <= until]
    return found[0].campaign_id if found else None


def last_touch(
    members: Iterable[CampaignMember], at: datetime, *, window: timedelta | None = None
) -> str | None:
    """The campaign id of the latest touch launched at or before *at* (and, with *window*,
    less than *window* before it); ``None`` if there is none.

    >>> from datetime import UTC
    >>> from crmkit.marketing.campaign import Group
    >>> t = datetime(2027, 3, 1, tzinfo=UTC)
    >>> ms = [CampaignMember("m1", "winter", "c1", Group.TREATED, True, t - timedelta(days=90)),
    ...       CampaignMember("m2", "spring", "c1", Group.TREATED, True, t)]
    >>> last_touch(ms, t + timedelta(days=3)), last_touch(ms, t - timedelta(days=1))
    ('spring', 'winter')
    >>> last_touch(ms, t - timedelta(days=1), window=timedelta(days=30)) is None
    True
    """
    found = [m for m in _touches(members) if m.at <= at]
    if not found or (window is not None and at >= found[-1].at + window):
        return None
    return found[-1].campaign_id


@attrs.frozen
class Attribution:
    """Where a contact (or a deal) came from: ``first_touch``, the campaign that reached
    them first, and ``last_touch``, the one they converted under (the latest to reach them
    at or before the moment, within the window); campaign ids or ``None``."""

    first_touch: str | None
    last_touch: str | None


def attribution(
    members: Iterable[CampaignMember], at: datetime, *, window: timedelta
) -> Attribution:
    """First and last touch of one contact's *members* as of *at*: the first touch among the
    campaigns launched by then, the last within *window* before it."""
    ms = list(members)
    return Attribution(first_touch(ms, until=at), last_touch(ms, at, window=window))
