"""Type-checked only (see test_api_types.py): the public API must read well to mypy."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from crmkit import CRM, Contact, Interaction, Money, Organization
from crmkit.clv import ShiftedBetaGeoFit, ShiftedBetaGeoModel
from crmkit.errors import CRMError, DuplicateContactError, ValidationError
from crmkit.identity.merging import MergeResult
from crmkit.identity.resolution import Candidate, Resolution
from crmkit.identity.review import ReviewItem
from crmkit.importing import ImportReport
from crmkit.marketing import RevenueUplift, Uplift, holdout_split, revenue_uplift, uplift
from crmkit.segments import MEMORY_COMPILER, HasTag, MemoryScope, Segment, field, in_list, tag
from crmkit.segments.compiler import Compiler
from crmkit.storage import MemoryStorage, SQLiteStorage, Storage, complete
from crmkit.storage.sql import SQL_COMPILER, SQLScope
from crmkit.tasks import (
    AutomationReport,
    BirthdayGreeting,
    ContactOwnerFirst,
    KeyStore,
    Policy,
    QueuedMessage,
    RoundRobin,
    SendMessage,
    Task,
)


def use_tasks_and_automation(crm: CRM) -> None:
    policies: list[Policy] = [ContactOwnerFirst(), RoundRobin()]
    task: Task = crm.tasks.create("Call back", team="desk", policies=policies)
    team: list[Task] = crm.tasks.for_team("desk")
    report: AutomationReport = crm.automation.run(
        date(2027, 2, 28),
        rules=[BirthdayGreeting(then=SendMessage("birthday", purpose="marketing_sms"))],
        timezone="Europe/Tirane",
    )
    created: list[Task] = report.tasks
    refused: tuple[str, ...] = report.no_consent
    pending: list[QueuedMessage] = crm.outbox.pending(limit=10)
    crm.outbox.ack(m.id for m in pending)
    store: KeyStore = crm.automation.key_store()
    del task, team, created, refused, store


def use_the_api() -> None:
    storage: Storage = MemoryStorage()
    crm = CRM(storage=storage, workspace="acme", default_region="AL")
    sqlite_crm: CRM = CRM(storage=SQLiteStorage(":memory:"))
    completed: Storage = complete(MemoryStorage())  # a backend's missing members filled
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
    del fuzzy, decided, indexed, completed


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


def use_the_retention_model() -> None:
    fit: ShiftedBetaGeoFit = ShiftedBetaGeoModel().fit([1000, 631, 468, 382])
    one: float = fit.survival(12) * fit.retention_rate(12) * fit.churn_probability(1)
    curve: list[float] = fit.survival(range(13))
    projected: list[float] = fit.expected_survivors(12, cohort=1000)
    value: float = fit.derl(0.1, renewals=3)
    alpha: float = fit.params["alpha"]
    del one, curve, projected, value, alpha


def use_the_service_desk(crm: CRM, contact_id: str) -> None:
    from datetime import time, timedelta

    from crmkit.service import Case, ServiceReport, SlaPolicy, WorkingHours

    policy: SlaPolicy = crm.sla.create(
        "Standard",
        first_response=timedelta(hours=4),
        resolution=timedelta(hours=16),
        hours=WorkingHours(time(9), time(17)),
        timezone="Europe/Warsaw",
        holidays=[date(2026, 11, 11)],
    )
    case: Case = crm.cases.open(contact_id, subject="No signal", reason="question")
    case = crm.cases.respond(case.id, by="ewa", summary="On it")
    due: datetime | None = case.first_response_due
    escalate: list[tuple[Case, str, datetime]] = list(crm.cases.breaching(within=timedelta(1)))
    report: ServiceReport = crm.service_report(
        since=datetime(2026, 11, 1, tzinfo=UTC), until=datetime(2026, 12, 1, tzinfo=UTC)
    )
    rate: float | None = report.first_response.rate
    policy = crm.sla.update("standard", first_response=timedelta(hours=2), priority=None)
    mine = crm.cases.breaching(assignee="ewa", limit=50)
    routed: str | None = crm.cases.open(
        contact_id, subject="Bill", reason="billing", team="desk"
    ).assignee
    del policy, due, escalate, rate, mine, routed


def use_the_customer_file(crm: CRM, contact_id: str) -> None:
    from datetime import timedelta

    from crmkit.customer_file import (
        Asset,
        Contract,
        ContractExpiring,
        FreeTextLine,
        Product,
        Quote,
        QuoteStatus,
        RevenueReport,
        RevenueRow,
        WarrantyExpiring,
    )
    from crmkit.segments import bought

    gold: Product = crm.products.create(
        sku="GOLD-12",
        name="Gold package, 12 months",
        category="packages",
        price=Money("600.00", "EUR"),
        vat_rate=Decimal("0.20"),
    )
    gold = crm.products.update("GOLD-12", price=Money("650.00", "EUR"), active=False)
    packages: list[Product] = crm.products.all(category="packages")
    cable = FreeTextLine("Cable", Money("12.50", "EUR"), Decimal("0.20"), quantity=2)
    q: Quote = crm.quotes.create(
        contact_id,
        lines=[("GOLD-12", 2), ("SETUP", 1, Decimal("0.10")), cable],
        valid_until=date(2026, 12, 31),
        deal_id=None,
    )
    total: Money = q.net + q.vat
    at = datetime(2026, 11, 2, tzinfo=UTC)
    q = crm.quotes.send(q.id, at=at)
    status: QuoteStatus = crm.quotes.accept(q.id, at=at).status_on(date(2026, 11, 3))
    k: Contract = crm.contracts.create(
        contact_id,
        title="Support 2027",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        value=Money("1200.00", "EUR"),
        renewal="auto",
        notice=timedelta(days=30),
        quote_id=q.id,
    )
    k = crm.contracts.sign(k.id, at=at, signed_by="Besa Kola")
    soon: Sequence[Contract] = crm.contracts.expiring(
        within=timedelta(days=60), as_of=date(2027, 11, 1)
    )
    k = crm.contracts.renew(k.id, ends_on=date(2028, 12, 31))
    k = crm.contracts.terminate(k.id, at=at, reason="Moved abroad")
    router: Asset = crm.assets.add(
        contact_id,
        sku="ROUTER-X",
        serial="SN-0001",
        installed_on=date(2027, 1, 5),
        warranty_until=date(2029, 1, 4),
        contract_id=k.id,
    )
    router = crm.assets.by_serial("SN-0001")
    held: list[Asset] = crm.assets.for_contact(contact_id)
    tasks: list[Task] = crm.tasks.for_contact(contact_id, include_done=True)
    report: RevenueReport = crm.revenue(by=("category", "month"), since=at, until=None, rates=None)
    rows: tuple[RevenueRow, ...] = report.rows
    gross: Money = rows[0].gross
    cohorts: dict[str, list[int]] = crm.contract_retention(cohort="start_year", as_of=None)
    reminders = crm.automation.run(
        date(2027, 12, 1), rules=[ContractExpiring(), WarrantyExpiring(days_before=30)]
    )
    buyers: list[Contact] = crm.segments.members(bought(category="packages", within_days=365))
    del cohorts, reminders, buyers
    del gold, packages, total, status, soon, router, held, tasks, gross


def use_marketing(member_ids: list[str]) -> None:
    treated, held_out = holdout_split(member_ids, Decimal("0.1"), seed=16)
    measured: Uplift = uplift(230, len(treated), 40, len(held_out), confidence=0.9)
    low: float = measured.ci_low
    revenue: RevenueUplift = revenue_uplift([Decimal("9.90")] * 2, [Decimal("0")] * 2)
    extra: Decimal = revenue.difference
    del low, extra


def run_a_campaign(crm: CRM, segment: Segment, contact_id: str) -> None:
    from datetime import timedelta

    from crmkit.marketing import Campaign, CampaignEvent, CampaignReport, LaunchRun

    when = datetime(2027, 3, 1, 9, tzinfo=UTC)
    c: Campaign = crm.campaigns.create(
        "Spring Gold",
        channel="email",
        audience=segment,
        purpose="marketing_email",
        holdout=Decimal("0.10"),
        seed=7,
    )
    run: LaunchRun = crm.campaigns.launch(c.id, at=when)
    counts: tuple[int, int, int] = (run.sent, run.held_out, run.skipped_no_consent)
    event: CampaignEvent = crm.campaigns.record_event(c.id, contact_id, "opened", at=when)
    crm.campaigns.record_event(
        c.id, contact_id, "converted", at=when, revenue=Money("49.90", "EUR")
    )
    rep: CampaignReport = crm.campaigns.report(c.id, window=timedelta(days=30))
    sent: int = rep.sent + rep.opened + rep.clicked + rep.conversions
    revenue: Money | None = rep.revenue
    lift: float | None = rep.uplift
    ci: tuple[float, float] | None = rep.uplift_ci
    del counts, event, sent, revenue, lift, ci


def use_coupons_loyalty_and_referrals(crm: CRM, a: str, b: str) -> None:
    from datetime import timedelta

    from crmkit.errors import CouponError, InsufficientPointsError, ReferralError
    from crmkit.marketing import CouponRedemption, LoyaltyProgram, PointsEntry, ReferralNode

    when = datetime(2026, 4, 1, tzinfo=UTC)
    codes: list[str] = crm.coupons.create_batch(
        count=100, discount=Decimal("0.10"), max_uses=1, expires_at=when, campaign_id="c-1"
    )
    try:
        used: CouponRedemption = crm.coupons.redeem(
            codes[0], contact_id=a, transaction_id=None, at=when
        )
        del used
    except CouponError as err:
        reason: str = err.reason
        del reason
    club: LoyaltyProgram = crm.loyalty.create_program(
        "Club",
        points_per_unit=Decimal("1"),
        currency="EUR",
        tiers={"Silver": 0, "Gold": 1000},
        expire_after=timedelta(days=365),
    )
    earned: PointsEntry = crm.loyalty.earn(a, amount=Money("10", "EUR"), at=when)
    held: int = crm.loyalty.balance(a, as_of=when)
    level: str | None = crm.loyalty.tier(a, as_of=when)
    with contextlib.suppress(InsufficientPointsError):
        crm.loyalty.redeem(a, points=200, at=when)
    with contextlib.suppress(ReferralError):
        crm.referrals.record(referrer_id=a, referred_id=b, at=when)
    referrer: str | None = crm.referrals.referred_by(b)
    tree: tuple[ReferralNode, ...] = crm.referrals.tree(a)
    del club, earned, held, level, referrer, tree
