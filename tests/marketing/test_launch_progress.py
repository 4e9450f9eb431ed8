"""crm.campaigns.launch(progress=...): crmkit's progress convention (crmkit._progress)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from crmkit import CRM
from crmkit.errors import ValidationError
from crmkit.segments import tag

T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)


def _campaign(crm: CRM, members: int) -> str:
    for i in range(members):
        c = crm.contacts.create(name=f"Gold {i}", emails=[f"g{i}@example.com"], tags={"gold"})
        crm.consent.record(c.id, purpose="marketing_email", granted=True, at=T0 - timedelta(days=1))
    campaign = crm.campaigns.create(
        "Spring",
        channel="email",
        audience=tag("gold"),
        purpose="marketing_email",
        holdout=Decimal(0),
    )
    return campaign.id


def test_launch_reports_the_audience_then_each_batch_then_done() -> None:
    crm = CRM()
    campaign_id = _campaign(crm, 7)
    calls: list[tuple[str, int, int]] = []
    run = crm.campaigns.launch(
        campaign_id, at=T0, batch_size=3, progress=lambda *call: calls.append(call)
    )
    assert calls == [
        ("audience", 0, 0),
        ("launch", 3, 7),
        ("launch", 6, 7),
        ("launch", 7, 7),
        ("done", 7, 7),
    ]
    assert run.sent == 7


def test_a_launched_campaign_reports_nothing() -> None:
    crm = CRM()
    campaign_id = _campaign(crm, 2)
    crm.campaigns.launch(campaign_id, at=T0)
    calls: list[tuple[str, int, int]] = []
    again = crm.campaigns.launch(campaign_id, at=T0, progress=lambda *call: calls.append(call))
    assert (calls, again.queued) == ([], 0)


def test_progress_true_names_the_stages_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    crm = CRM()
    crm.campaigns.launch(_campaign(crm, 2), at=T0, progress=True)
    err = capsys.readouterr().err
    assert "evaluating the audience" in err
    assert "writing campaign members" in err


def test_a_bad_progress_is_refused_before_anything_is_written() -> None:
    crm = CRM()
    campaign_id = _campaign(crm, 2)
    with pytest.raises(ValidationError, match="progress"):
        crm.campaigns.launch(campaign_id, at=T0, progress="yes")  # type: ignore[arg-type]
    assert crm.campaigns.get(campaign_id).status.value == "draft"
    assert crm.campaigns.members(campaign_id) == []
