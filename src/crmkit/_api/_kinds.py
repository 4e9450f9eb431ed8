"""The record kinds a :class:`crmkit.CRM` handles unless told otherwise: the storage
layer's :data:`crmkit.storage.kinds.RECORD_KINDS` plus those the services declare on the
generic record store (service cases; the customer file's quotes, contracts and assets;
campaign members and events; coupon redemptions, points entries and referrals)."""

from __future__ import annotations

from crmkit._api.customer_file.kinds import ASSETS, CONTRACTS_KIND, QUOTES
from crmkit._api.marketing.campaign_kinds import CAMPAIGN_EVENTS, CAMPAIGN_MEMBERS_KIND
from crmkit._api.marketing.loyalty_kinds import LOYALTY_KINDS
from crmkit._api.service.kinds import CASES_KIND
from crmkit.storage.kinds import RECORD_KINDS, RecordKind

__all__ = ["DEFAULT_RECORD_KINDS"]

DEFAULT_RECORD_KINDS: tuple[RecordKind, ...] = (
    *RECORD_KINDS,
    CASES_KIND,
    QUOTES.kind,
    CONTRACTS_KIND,
    ASSETS.kind,
    CAMPAIGN_MEMBERS_KIND,
    CAMPAIGN_EVENTS.kind,
    *LOYALTY_KINDS,
)
