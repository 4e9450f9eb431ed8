"""Type-checked only (see test_api_types.py): the public API must read well to mypy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from crmkit import CRM, Contact, Interaction, Money, Organization
from crmkit.errors import CRMError, DuplicateContactError, ValidationError
from crmkit.importing import ImportReport
from crmkit.merging import MergeResult
from crmkit.resolution import Candidate, Resolution
from crmkit.review import ReviewItem
from crmkit.segments import MEMORY_COMPILER, HasTag, MemoryScope, Segment, field, in_list, tag
from crmkit.segments.compiler import Compiler
from crmkit.storage import MemoryStorage, SQLiteStorage, Storage
from crmkit.storage.sql import SQL_COMPILER, SQLScope
from crmkit.tasks import (
    AutomationReport,
    BirthdayGreeting,
    ContactOwnerFirst,
    KeyStore,
    Policy,
    QueuedMessage,
    RoundRobin,
    Task,
)


def use_tasks_and_automation(crm: CRM) -> None:
    policies: list[Policy] = [ContactOwnerFirst(), RoundRobin()]
    task: Task = crm.tasks.create("Call back", team="desk", policies=policies)
    team: list[Task] = crm.tasks.for_team("desk")
    report: AutomationReport = crm.automation.run(
        date(2027, 2, 28), rules=[BirthdayGreeting()], timezone="Europe/Tirane"
    )
    created: list[Task] = report.tasks
    pending: list[QueuedMessage] = crm.outbox.pending(limit=10)
    crm.outbox.ack(m.id for m in pending)
    store: KeyStore = crm.automation.key_store()
    del task, team, created, store


def use_the_api() -> None:
    storage: Storage = MemoryStorage()
    crm = CRM(storage=storage, workspace="acme", default_region="AL")
    sqlite_crm: CRM = CRM(storage=SQLiteStorage(":memory:"))
    c: Contact = crm.contacts.create(name="Besa", phones=["069 123 4567"])
    same: Contact | None = crm.contacts.find(phone="+355691234567")
    res: Resolution = crm.resolve(email="besa@example.al")
    who: Contact | None = res.contact
    fuzzy: list[Candidate] = list(
        crm.resolve(
            name="Христо Стоянов", city="София", birthday="1985-03-02", threshold=0.99
        ).candidates
    )
    queue: list[ReviewItem] = crm.review_queue(status="open")
    decided: ReviewItem = crm.resolve_review(queue[0].id, action="dismiss")
    indexed: int = crm.rebuild_match_index()
    it: Interaction = crm.record(channel="phone", phone="069 123 4567", summary="hi")
    when: datetime = it.occurred_at.astimezone(UTC)
    timeline: list[Interaction] = crm.timeline(c.id, limit=20)
    last: Interaction | None = crm.last_interaction(c.id)
    merged: MergeResult = crm.merge(c.id, crm.contacts.create(name="B").id, dry_run=True)
    report: ImportReport = crm.import_contacts([{"email": "a@b.al"}], batch_size=500)
    org: Organization = crm.organizations.create(name="Alfa")
    price = Money("49.90", "EUR")
    amount: Decimal = price.amount
    try:
        crm.contacts.create(emails=["bad"])
    except ValidationError as err:
        field: str = err.field
        del field
    except DuplicateContactError as dup:
        owner: str = dup.contact_id
        del owner
    except CRMError:
        pass
    del sqlite_crm, same, who, when, timeline, last, merged, report, org, amount
    del fuzzy, decided, indexed


def use_segments_and_lists(crm: CRM) -> None:
    seg: Segment = (field("city") == "Sofia") & tag("vip") & ~in_list("June launch")
    members: list[Contact] = crm.segments.members(seg)
    crm.lists.create("June launch", from_segment=seg)
    on_list: list[Contact] = crm.lists.members(" June launch ")
    assert Segment.from_dict(seg.to_dict()) == seg
    del members, on_list


def use_segment_compilers() -> None:
    def in_memory(node: HasTag, scope: MemoryScope) -> set[int]:
        return set(scope.data.tags.get(node.tag, ()))

    def in_sql(node: HasTag, scope: SQLScope) -> tuple[str, list[object]]:
        return "(1 = 0)" if scope.dialect == "sqlite" else "(1 = 1)", []

    MEMORY_COMPILER.register(HasTag, in_memory, cost=0)  # never run: only type-checked
    SQL_COMPILER.register(HasTag, in_sql)
    costly: int = MEMORY_COMPILER.cost(tag("vip")) + SQL_COMPILER.cost(tag("vip"))
    describe: Compiler[None, str] = Compiler("describe")

    @describe.register(HasTag, cost=0)
    def _tag(node: HasTag, context: None) -> str:
        return node.tag

    text: str = describe.compile(tag("vip"), None)
    del costly, text
