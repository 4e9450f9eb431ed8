"""Saved segments, consent records and audiences on this backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit.crm import CRM
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["SegmentsContract"]


class SegmentsContract(ContractBase):
    """Segments are stored by name; consent decides who an audience reaches."""

    def test_segments_consent_and_audience_on_this_backend(self, crm: CRM) -> None:
        from crmkit.errors import SegmentNotFoundError
        from crmkit.segments import field, tag

        ivan = crm.contacts.create(
            name="Ivan", city="Sofia", tags={"vip"}, emails=["ivan@firma.bg"]
        )
        crm.contacts.create(name="Besa", city="Tiranë", tags={"vip"})
        seg = (field("city") == "sofia") & tag("vip")
        crm.segments.save("Sofia VIPs", seg)
        assert crm.segments.get("Sofia VIPs") == seg
        assert [c.id for c in crm.segments.members(crm.segments.get("Sofia VIPs"))] == [ivan.id]
        crm.consent.record(ivan.id, purpose="marketing_email", channel="email", granted=True, at=T0)
        members = crm.audience(seg, purpose="marketing_email", channel="email", at=T0)
        assert [m.address for m in members] == ["ivan@firma.bg"]
        crm.consent.record(
            ivan.id,
            purpose="marketing_email",
            channel="email",
            granted=False,
            at=T0 + timedelta(days=1),
        )
        assert (
            crm.audience(seg, purpose="marketing_email", channel="email", at=T0 + timedelta(days=2))
            == ()
        )
        crm.segments.delete("Sofia VIPs")
        with pytest.raises(SegmentNotFoundError):
            crm.segments.get("Sofia VIPs")
        assert len(crm.contacts.export(ivan.id)["consents"]) == 2  # type: ignore[arg-type]
