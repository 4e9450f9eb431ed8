"""export_person writes every value a declared record kind may hold as plain JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import attrs

from crmkit.contacts import Contact
from crmkit.privacy.person_export import export_person


@attrs.frozen
class Plan:
    id: str
    notice: timedelta
    opens: time
    grace: timedelta = timedelta(0)


def test_durations_and_times_export_as_iso_text() -> None:
    c = Contact.new(name="Besa Kola")
    plan = Plan("p-1", timedelta(days=30), time(9, 30), -timedelta(hours=1, seconds=0.25))
    out = export_person(c, records={"plans": [plan]}, now=datetime(2026, 12, 6, tzinfo=UTC))
    expected = {"id": "p-1", "notice": "P30D", "opens": "09:30:00", "grace": "-PT1H0.25S"}
    assert out["plans"] == [expected]
    assert json.loads(json.dumps(out)) == out


def test_the_old_import_path_still_works() -> None:
    from crmkit.privacy.consent import export_person as old

    assert old is export_person
