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

    def test_contacts_are_selected_by_interaction_outcome(self, crm: CRM) -> None:
        from crmkit.segments import Segment, interactions

        ivan, besa, ana = (crm.contacts.create(name=n) for n in ("Ivan", "Besa", "Ana"))
        for who, outcome, days in (
            (ivan, "complaint", 1),
            (ivan, "complaint", 40),
            (besa, "Complaint", 1),
            (besa, "sale", 2),
            (ana, None, 1),
        ):
            crm.interactions.log(
                who.id,
                channel="phone",
                direction="inbound",
                occurred_at=T0 - timedelta(days=days),
                outcome=outcome,
            )

        def names(seg: Segment) -> list[str]:
            return sorted(c.name or "" for c in crm.segments.members(seg))

        complained = interactions(outcome="complaint")
        assert names(complained.exist()) == ["Ivan"]  # outcomes compare exactly
        assert names(complained.count >= 2) == ["Ivan"]
        assert names(interactions(outcome="complaint", within_days=30).count >= 2) == []
        assert names(~complained.exist()) == ["Ana", "Besa"]
        assert names(interactions(outcome="sale").last_at >= T0 - timedelta(days=3)) == ["Besa"]
        assert crm.segments.count(interactions(outcome=" Complaint ").exist()) == 1

    def test_contacts_are_selected_by_their_service_cases(self, crm: CRM) -> None:
        from crmkit.segments import Segment, has_case, tag

        ivan, besa, ana, _dora = (
            crm.contacts.create(name=n, tags={"vip"}) for n in ("Ivan", "Besa", "Ana", "Dora")
        )
        at = T0 - timedelta(days=3)

        def case(who: str, reason: str, score: int | None = None) -> None:
            opened = crm.cases.open(who, subject="s", reason=reason, opened_at=at)
            if score is not None:
                crm.cases.resolve(opened.id, at=at + timedelta(hours=1))
                crm.cases.rate(opened.id, score=score, at=at + timedelta(hours=2))

        case(ivan.id, "complaint")
        case(besa.id, "complaint", score=2)
        case(besa.id, "billing")
        case(ana.id, "billing", score=5)

        def names(seg: Segment) -> list[str]:
            return sorted(c.name or "" for c in crm.segments.members(seg))

        assert names(has_case()) == ["Ana", "Besa", "Ivan"]
        assert names(has_case(open=True)) == ["Besa", "Ivan"]
        assert names(has_case(open=False)) == ["Ana", "Besa"]
        assert names(has_case(reason="complaint")) == ["Besa", "Ivan"]
        assert names(has_case(open=True, reason="complaint")) == ["Ivan"]  # the same case
        assert names(has_case(rated_below=3)) == ["Besa"]
        assert names(has_case(rated_below=6)) == ["Ana", "Besa"]
        assert names(tag("vip") & ~has_case()) == ["Dora"]
        assert crm.segments.count(has_case(reason="billing", rated_below=5)) == 0
        crm.segments.save("unhappy", has_case(rated_below=3))
        assert names(crm.segments.get("unhappy")) == ["Besa"]
