"""Hostile input at every write entry point: only crmkit errors escape, nothing half-written.

:data:`HOSTILE` is a table of values that have broken CRMs before (unpaired surrogates, NUL,
text too long for a database index, datetimes at the ends of the calendar, ``timedelta.max``,
NaN, wrong types); :data:`WRITES` puts each value, in turn, into one argument of every write
of the ``CRM`` facade. For each pair the contract checks, on every backend, that

* the call either succeeds or raises a :class:`crmkit.errors.CRMError` (never a driver's or
  Python's own exception);
* a refused call leaves the workspace exactly as it was;
* an accepted call leaves the workspace readable by the views that read everything
  (``workload``, ``overdue``, ``for_assignee``, ``due_between``, the deals board).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from crmkit._types import Money
from crmkit.crm import CRM
from crmkit.errors import CRMError, DealNotFoundError, TaskNotFoundError, ValidationError
from crmkit.testing.contract._base import T0, ContractBase

__all__ = ["HOSTILE", "WRITES", "BadInputContract", "Seed", "snapshot"]


def _random_text(size: int, seed: int = 18) -> str:
    # Letters and digits without spaces: nothing for a database to compress, and one "word"
    # as long as the whole text, so every key built from a prefix of it is long too.
    rnd = random.Random(seed)
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))


HOSTILE: dict[str, Any] = {
    "lone surrogate": "\udc80",
    "surrogate inside": "Besa \ud800 Kola",
    "NUL": "Be\x00sa",
    "2.7 KB random text": _random_text(2700),
    "1,200 Cyrillic letters": "ж" * 1200,
    "year 1 at +05:00": datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5))),
    "year 9999 at -05:00": datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
    "datetime.max": datetime.max.replace(tzinfo=UTC),
    "naive datetime": datetime(2026, 5, 1, 9, 0),
    "timedelta.max": timedelta.max,
    "negative timedelta": timedelta(days=-1),
    "NaN": float("nan"),
    "inf": float("inf"),
    "Decimal NaN": Decimal("NaN"),
    "huge int": 10**30,
    "bytes": b"Besa",
    "object": object(),
    "empty string": "",
}


@attrs.frozen
class Seed:
    """Records every write may refer to, created before the hostile call."""

    contact_id: str
    pipeline_id: str
    deal_id: str
    task_id: str


Write = Callable[[CRM, Seed, Any], object]


def _at(minutes: int = 0) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _eur(amount: str = "10") -> Money:
    return Money(amount, "EUR")


def _task_with(name: str) -> Write:
    """A task write with the hostile value in the keyword argument *name*."""
    return lambda crm, s, v: crm.tasks.create("T", assignee="mira", at=_at(), **{name: v})


# name -> a write with the hostile value in one argument. The name says which argument.
WRITES: dict[str, Write] = {
    "contacts.create(name=)": lambda crm, s, v: crm.contacts.create(name=v),
    "contacts.create(given_name=)": lambda crm, s, v: crm.contacts.create(given_name=v),
    "contacts.create(city=)": lambda crm, s, v: crm.contacts.create(name="X", city=v),
    "contacts.create(address=)": lambda crm, s, v: crm.contacts.create(name="X", address=v),
    "contacts.create(postcode=)": lambda crm, s, v: crm.contacts.create(name="X", postcode=v),
    "contacts.create(owner=)": lambda crm, s, v: crm.contacts.create(name="X", owner=v),
    "contacts.create(emails=)": lambda crm, s, v: crm.contacts.create(name="X", emails=[v]),
    "contacts.create(phones=)": lambda crm, s, v: crm.contacts.create(name="X", phones=[v]),
    "contacts.create(handles=)": lambda crm, s, v: crm.contacts.create(
        name="X", handles={"instagram": v}
    ),
    "contacts.create(handles channel)": lambda crm, s, v: crm.contacts.create(
        name="X", handles={v: "besa"}
    ),
    "contacts.create(tags=)": lambda crm, s, v: crm.contacts.create(name="X", tags=[v]),
    "contacts.create(custom=)": lambda crm, s, v: crm.contacts.create(name="X", custom={"k": v}),
    "contacts.create(birthday=)": lambda crm, s, v: crm.contacts.create(name="X", birthday=v),
    "contacts.update(name=)": lambda crm, s, v: crm.contacts.update(s.contact_id, name=v),
    "contacts.add_identity(handle=)": lambda crm, s, v: crm.contacts.add_identity(
        s.contact_id, handle=("telegram", v)
    ),
    "organizations.create(name=)": lambda crm, s, v: crm.organizations.create(name=v),
    "organizations.create(domain=)": lambda crm, s, v: crm.organizations.create(
        name="Alfa", domain=v
    ),
    "interactions.log(summary=)": lambda crm, s, v: crm.interactions.log(
        s.contact_id, channel="phone", summary=v, occurred_at=_at()
    ),
    "interactions.log(handled_by=)": lambda crm, s, v: crm.interactions.log(
        s.contact_id, channel="phone", handled_by=v, occurred_at=_at()
    ),
    "interactions.log(occurred_at=)": lambda crm, s, v: crm.interactions.log(
        s.contact_id, channel="phone", occurred_at=v
    ),
    "record(summary=)": lambda crm, s, v: crm.record(
        channel="phone", phone="+355691234567", summary=v, occurred_at=_at()
    ),
    "record(occurred_at=)": lambda crm, s, v: crm.record(
        channel="phone", phone="+355691234567", occurred_at=v
    ),
    "transactions.add(order_id=)": lambda crm, s, v: crm.transactions.add(
        s.contact_id, kind="purchase", amount=_eur(), occurred_at=_at(), order_id=v
    ),
    "transactions.add(note=)": lambda crm, s, v: crm.transactions.add(
        s.contact_id, kind="purchase", amount=_eur(), occurred_at=_at(), note=v
    ),
    "transactions.add(occurred_at=)": lambda crm, s, v: crm.transactions.add(
        s.contact_id, kind="purchase", amount=_eur(), occurred_at=v
    ),
    "transactions.add(amount=)": lambda crm, s, v: crm.transactions.add(
        s.contact_id, kind="purchase", amount=Money(v, "EUR"), occurred_at=_at()
    ),
    "pipelines.create(name=)": lambda crm, s, v: crm.pipelines.create(v, stages=["New"]),
    "pipelines.create(stages=)": lambda crm, s, v: crm.pipelines.create("P", stages=[v]),
    "pipelines.create(probability=)": lambda crm, s, v: crm.pipelines.create(
        "P", stages=[{"name": "New", "probability": v}]
    ),
    "pipelines.create(rotting_after=)": lambda crm, s, v: crm.pipelines.create(
        "P", stages=[{"name": "New", "rotting_after": v}]
    ),
    "deals.create(title=)": lambda crm, s, v: crm.deals.create(
        pipeline_id=s.pipeline_id, title=v, value=_eur(), contact_id=s.contact_id
    ),
    "deals.create(owner=)": lambda crm, s, v: crm.deals.create(
        pipeline_id=s.pipeline_id, title="D", value=_eur(), contact_id=s.contact_id, owner=v
    ),
    "deals.create(by=)": lambda crm, s, v: crm.deals.create(
        pipeline_id=s.pipeline_id, title="D", value=_eur(), contact_id=s.contact_id, by=v
    ),
    "deals.create(contact_id=)": lambda crm, s, v: crm.deals.create(
        pipeline_id=s.pipeline_id, title="D", value=_eur(), contact_id=v
    ),
    "deals.create(created_at=)": lambda crm, s, v: crm.deals.create(
        pipeline_id=s.pipeline_id,
        title="D",
        value=_eur(),
        contact_id=s.contact_id,
        created_at=v,
    ),
    "deals.create(expected_close=)": lambda crm, s, v: crm.deals.create(
        pipeline_id=s.pipeline_id,
        title="D",
        value=_eur(),
        contact_id=s.contact_id,
        expected_close=v,
    ),
    "deals.move(by=)": lambda crm, s, v: crm.deals.move(s.deal_id, "Won over", by=v, at=_at(5)),
    "deals.lose(reason=)": lambda crm, s, v: crm.deals.lose(s.deal_id, reason=v, at=_at(5)),
    "users.add(id)": lambda crm, s, v: crm.users.add(v),
    "users.add(name=)": lambda crm, s, v: crm.users.add("u-new", name=v),
    "users.add(team=)": lambda crm, s, v: crm.users.add("u-new", team=v),
    "users.add(timezone=)": lambda crm, s, v: crm.users.add("u-new", timezone=v),
    "tasks.create(title)": lambda crm, s, v: crm.tasks.create(v, assignee="mira", at=_at()),
    "tasks.create(assignee=)": lambda crm, s, v: crm.tasks.create("T", assignee=v, at=_at()),
    **{
        f"tasks.create({name}=)": _task_with(name)
        for name in ("created_by", "team", "description", "kind", "contact_id", "deal_id")
    },
    "tasks.create(due=)": lambda crm, s, v: crm.tasks.create("T", assignee="mira", due=v, at=_at()),
    "tasks.create(at=)": lambda crm, s, v: crm.tasks.create("T", assignee="mira", at=v),
    "tasks.create(estimated_effort=)": lambda crm, s, v: crm.tasks.create(
        "T", assignee="mira", due=_at(60), estimated_effort=v, at=_at()
    ),
    "tasks.create(reminders=)": lambda crm, s, v: crm.tasks.create(
        "T", assignee="mira", due=_at(60), reminders=[v], at=_at()
    ),
    "tasks.add_note(text)": lambda crm, s, v: crm.tasks.add_note(s.task_id, v, at=_at(5)),
    "tasks.add_note(by=)": lambda crm, s, v: crm.tasks.add_note(s.task_id, "n", by=v, at=_at(5)),
    "tasks.delegate(to=)": lambda crm, s, v: crm.tasks.delegate(
        s.task_id, to=v, by="mira", at=_at(5)
    ),
    "tasks.delegate(note=)": lambda crm, s, v: crm.tasks.delegate(
        s.task_id, to="ivan", by="mira", note=v, at=_at(5)
    ),
    "tasks.complete(by=)": lambda crm, s, v: crm.tasks.complete(s.task_id, by=v, at=_at(5)),
    "tasks.snooze(until)": lambda crm, s, v: crm.tasks.snooze(s.task_id, v, at=_at(5)),
    "tasks.reschedule(due)": lambda crm, s, v: crm.tasks.reschedule(s.task_id, v, at=_at(5)),
    "lists.create(name)": lambda crm, s, v: crm.lists.create(v, contact_ids=[s.contact_id]),
    "consent.record(source=)": lambda crm, s, v: crm.consent.record(
        s.contact_id, purpose="marketing_email", granted=True, source=v
    ),
    "contacts.set_lifecycle(stage)": lambda crm, s, v: crm.contacts.set_lifecycle(s.contact_id, v),
}


def snapshot(crm: CRM) -> dict[str, Any]:
    """Everything the workspace holds, as plain values, for before/after comparisons."""
    with crm.storage.unit_of_work(crm.workspace, read_only=True) as uow:
        pipelines = sorted(uow.pipelines.iter_all(), key=lambda p: p.id)
        return {
            "contacts": sorted(uow.contacts.iter_all(), key=lambda c: c.id),
            "interactions": sorted(uow.interactions.iter_all(), key=lambda i: i.id),
            "organizations": sorted(uow.organizations.iter_all(), key=lambda o: o.id),
            "transactions": sorted(uow.transactions.iter_all(), key=lambda t: t.id),
            "pipelines": pipelines,
            "deals": sorted(uow.deals.iter_all(), key=lambda d: d.id),
            "stage_changes": sorted(
                (c for p in pipelines for c in uow.stage_changes.for_pipeline(p.id)),
                key=lambda c: c.id,
            ),
            "lifecycle": sorted(uow.lifecycle.iter_all(), key=lambda c: c.id),
            "consents": sorted(uow.consents.iter_all(), key=lambda c: c.id),
            "users": sorted(uow.users.iter_all(), key=lambda u: u.id),
            "tasks": sorted(uow.tasks.iter_all(), key=lambda t: t.id),
            "lists": sorted(uow.lists.names()),
            "segments": sorted(uow.segments.names()),
        }


def _read_everything(crm: CRM, seed: Seed) -> None:
    """The views that read a whole workspace; a stored value must never break them."""
    crm.tasks.workload(now=_at(30))
    crm.tasks.overdue(now=_at(30))
    crm.tasks.for_assignee("mira")
    crm.tasks.due_between(_at(-600), _at(600))
    crm.tasks.reminders_between(_at(-600), _at(600))
    crm.tasks.due_today("mira", now=_at(30))
    list(crm.contacts.all())
    crm.deals.for_pipeline(seed.pipeline_id)
    crm.timeline(seed.contact_id)


class BadInputContract(ContractBase):
    """Every write refuses hostile input with a crmkit error and writes nothing."""

    def _seed(self, crm: CRM) -> Seed:
        crm.users.add("mira", team="sales")
        crm.users.add("ivan", team="sales")
        contact = crm.contacts.create(name="Besa Kola", phones=["+355691234500"])
        pipeline = crm.pipelines.create("Sales", stages=["New", "Won over"])
        deal = crm.deals.create(
            pipeline_id=pipeline.id,
            title="Gold",
            value=_eur(),
            contact_id=contact.id,
            created_at=_at(),
        )
        task = crm.tasks.create("Call back", assignee="mira", due=_at(60), at=_at())
        return Seed(contact.id, pipeline.id, deal.id, task.id)

    def _outcomes(self, crm: CRM, seed: Seed, names: list[str]) -> Iterator[str]:
        """A line for every (write, value) pair that broke the rules."""
        for write in names:
            for label, value in HOSTILE.items():
                before = snapshot(crm)
                try:
                    WRITES[write](crm, seed, value)
                except CRMError:
                    if snapshot(crm) != before:
                        yield f"{write} with {label}: refused but changed the workspace"
                    continue
                except Exception as exc:
                    yield f"{write} with {label}: {type(exc).__name__}: {exc}"[:300]
                    continue
                if label in _ALWAYS_REFUSED and label not in _MAY_ACCEPT.get(write, ()):
                    yield f"{write} with {label}: accepted"
                try:
                    _read_everything(crm, seed)
                except Exception as exc:
                    yield f"{write} with {label}: accepted, then a read raised {exc!r}"[:300]

    @pytest.mark.parametrize("part", range(4))
    def test_writes_refuse_hostile_values_with_crmkit_errors_only(
        self, crm: CRM, part: int
    ) -> None:
        seed = self._seed(crm)
        names = sorted(WRITES)[part::4]
        problems = list(self._outcomes(crm, seed, names))
        assert not problems, "\n".join(problems)

    def test_a_refused_import_row_is_a_per_row_error(self, crm: CRM) -> None:
        rows = [
            {"name": "Too long", "address": _random_text(2700), "email": "a@example.al"},
            {"name": "NUL\x00", "email": "b@example.al"},
            {"name": "Fine", "email": "c@example.al"},
        ]
        report = crm.import_contacts(rows)
        assert [o.action for o in report.rows] == ["error", "error", "created"]
        assert [c.name for c in crm.contacts.all()] == ["Fine"]

    def _other_workspace_deal(self, crm: CRM) -> str:
        other = CRM(crm.storage, workspace=f"{self.workspace}-other", clock=lambda: T0)
        contact = other.contacts.create(name="Someone else's")
        pipeline = other.pipelines.create("Theirs", stages=["New"])
        return other.deals.create(
            pipeline_id=pipeline.id, title="Theirs", value=_eur(), contact_id=contact.id
        ).id

    def test_a_task_may_not_name_another_workspaces_deal(self, crm: CRM) -> None:
        foreign = self._other_workspace_deal(crm)
        before = snapshot(crm)
        with pytest.raises(DealNotFoundError):
            crm.tasks.create("T", assignee="mira", deal_id=foreign, at=_at())
        with pytest.raises(DealNotFoundError):
            crm.tasks.create("T", assignee="mira", deal_id="no-such-deal", at=_at())
        assert snapshot(crm) == before

    def test_an_interaction_may_not_name_another_workspaces_deal_or_task(self, crm: CRM) -> None:
        foreign = self._other_workspace_deal(crm)
        contact = crm.contacts.create(name="Besa")
        before = snapshot(crm)
        with pytest.raises(DealNotFoundError):
            crm.interactions.log(contact.id, channel="phone", occurred_at=_at(), deal_id=foreign)
        with pytest.raises(DealNotFoundError):
            crm.interactions.log_many(
                [
                    {
                        "contact_id": contact.id,
                        "channel": "phone",
                        "occurred_at": _at(),
                        "deal_id": foreign,
                    }
                ]
            )
        with pytest.raises(TaskNotFoundError):
            crm.interactions.log(contact.id, channel="phone", occurred_at=_at(), task_id="t-x")
        assert snapshot(crm) == before

    def test_text_limits_are_the_same_on_every_backend(self, crm: CRM) -> None:
        with pytest.raises(ValidationError) as info:
            crm.contacts.create(name="X", address=_random_text(2700))
        assert info.value.field == "address"


# Arguments that take a value of another kind on purpose: a datetime as a date (its day),
# any JSON-safe value in a custom field (dates become ISO text).
_DATES = frozenset({"year 1 at +05:00", "year 9999 at -05:00", "datetime.max", "naive datetime"})
_MAY_ACCEPT: dict[str, frozenset[str]] = {
    "contacts.create(birthday=)": _DATES,
    "deals.create(expected_close=)": _DATES,
    "contacts.create(custom=)": _DATES,
    # An empty cell of a notebook row (NaN) is a missing summary, as in import_contacts.
    "record(summary=)": frozenset({"NaN", "Decimal NaN"}),
}

# Values no argument of any write may accept (huge ints, long text and empty strings may be
# fine in some arguments, and then reads must still work).
_ALWAYS_REFUSED = frozenset(HOSTILE) - {
    "2.7 KB random text",
    "1,200 Cyrillic letters",
    "huge int",
    "empty string",
}
