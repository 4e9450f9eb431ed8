"""The reading side of the facade: audiences, funnel reports, forecasts and customer value.

A mixin of :class:`crmkit.CRM`, kept apart so each file stays small; every method reads one
consistent snapshot through a read-only unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from crmkit._api._base import Context
from crmkit._api.customer_file.kinds import CONTRACTS
from crmkit._api.customer_file.revenue import revenue_report
from crmkit._api.funnel.api import load_pipeline
from crmkit._api.segments.api import build_audience, rates_option
from crmkit._api.segments.breakdowns import build_breakdowns
from crmkit._api.service.cases import build_service_report
from crmkit._api.value.clv import compute_clv
from crmkit._progress import ProgressOption, progress_callback
from crmkit._types import ensure_aware, ensure_day
from crmkit.clv.report import CLVReport
from crmkit.customer_file.retention import survivors
from crmkit.customer_file.revenue import RevenueReport
from crmkit.funnel.board import Board, pipeline_as_of, rotting_deals
from crmkit.funnel.deal import Deal
from crmkit.funnel.forecast import Forecast, forecast
from crmkit.funnel.lifecycle import LifecycleStages
from crmkit.funnel.model import WinModel, fit_win_model
from crmkit.funnel.report import FunnelReport, assemble, lifecycle_report
from crmkit.privacy.consent import AudienceMember
from crmkit.segments import Breakdown, RFMTable, Segment, rfm_scores
from crmkit.service.report import ServiceReport
from crmkit.value.ledger import TransactionKind
from crmkit.value.rates import RatesTable

__all__ = ["ReportsMixin"]


class ReportsMixin:
    _ctx: Context
    lifecycle_stages: LifecycleStages

    # -- audiences -------------------------------------------------------------------------

    def audience(
        self,
        segment: Segment | None = None,
        *,
        purpose: str,
        channel: str,
        at: datetime | None = None,
    ) -> tuple[AudienceMember, ...]:
        """The members of *segment* (everyone when None) who may be contacted for *purpose* on
        *channel*, each with the address to use: the latest consent record decides."""
        return build_audience(self._ctx, segment, purpose=purpose, channel=channel, at=at)

    def rfm(self, *, as_of: datetime | None = None, rates: RatesTable | None = None) -> RFMTable:
        """Recency, frequency and monetary scores (1-5) and the named group of every
        contact with a purchase at or before *as_of* (default now), from the ledger. A ledger
        in several currencies needs *rates*: each purchase counts in the rates' base currency
        at its day's rate; without them it raises
        :class:`crmkit.errors.CurrencyMismatchError`.

        >>> from datetime import UTC, datetime
        >>> from crmkit import CRM, Money
        >>> from crmkit.value.rates import RatesTable
        >>> crm = CRM()
        >>> c = crm.contacts.create(name="Besa")
        >>> for amount in (Money("100", "EUR"), Money("10000", "ALL")):
        ...     _ = crm.transactions.add(c.id, kind="purchase", amount=amount,
        ...                              occurred_at=datetime(2026, 3, 1, tzinfo=UTC))
        >>> rates = RatesTable("EUR", [("2026-01-01", "ALL", "0.0102")])
        >>> crm.rfm(as_of=datetime(2026, 4, 1, tzinfo=UTC), rates=rates)[c.id].total
        Money('202.0000', 'EUR')
        """
        when = self._ctx.clock() if as_of is None else ensure_aware(as_of, "as_of")
        checked = rates_option(rates).get("rates")
        with self._ctx.read() as uow:
            purchases = [
                (t.contact_id, t.occurred_at, t.amount)
                for t in uow.transactions.iter_all()
                if t.kind is TransactionKind.PURCHASE
            ]
        return rfm_scores(purchases, now=when, rates=checked)

    def breakdown(
        self,
        *by: str,
        flags: Mapping[str, Segment] | None = None,
        segment: Segment | None = None,
        top: int | None = None,
        now: datetime | None = None,
        other_label: str = "other",
        rates: RatesTable | None = None,
    ) -> dict[str, Breakdown]:
        """How everyone (or *segment*'s members at *now*) splits by each field in *by* and
        into each named segment of *flags* (``True``: in it), one
        :class:`crmkit.segments.Breakdown` per name, in the order asked. Text is grouped
        after folding and shown in its most common spelling; with *top*, the rest of a
        field's values are one "other" row. *rates* converts purchase totals and RFM in
        *segment* and *flags* as :meth:`crmkit.CRM.segments.members` does. SQL backends
        count in the database
        (:class:`crmkit.storage.protocols.SegmentValueCounts`). See docs/customer-file.md,
        "Breakdowns".

        >>> from crmkit import CRM
        >>> from crmkit.segments import field
        >>> crm = CRM()
        >>> acme = crm.organizations.create(name="Acme", vat_id="BG123", industry="Retail")
        >>> _ = crm.contacts.create(name="Ivan", city="Sofia", organization_id=acme.id)
        >>> _ = crm.contacts.create(name="Besa", city="SOFIA")
        >>> report = crm.breakdown("customer_type", "city",
        ...                        flags={"vat": field("organization.vat_id").is_null(False)})
        >>> [(r.value, r.count) for r in report["customer_type"].rows]
        [('individual', 1), ('organization', 1)]
        >>> [(r.value, r.share) for r in report["vat"].rows], report["city"].rows[0].count
        ([(False, 0.5), (True, 0.5)], 2)
        """
        return build_breakdowns(
            self._ctx,
            by,
            flags={} if flags is None else flags,
            segment=segment,
            top=top,
            now=now,
            other_label=other_label,
            rates=rates,
        )

    # -- funnel ----------------------------------------------------------------------------

    def funnel(
        self,
        pipeline_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        cohort: str | None = None,
        rates: RatesTable | None = None,
        currency: str | None = None,
    ) -> FunnelReport:
        """Where the deals created in [since, until) moved on, stalled, dropped out and won
        (optionally of one owner, or one creation month ``cohort="YYYY-MM"``)."""
        lo = None if since is None else ensure_aware(since, "since")
        hi = None if until is None else ensure_aware(until, "until")
        with self._ctx.read() as uow:
            pipeline = uow.pipelines.get(pipeline_id)
            facts = uow.deals.funnel_facts(pipeline, since=lo, until=hi, owner=owner, cohort=cohort)
        return assemble(
            facts, name=pipeline.name, pipeline_id=pipeline.id, rates=rates, currency=currency
        )

    def lifecycle_funnel(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        cohort: str | None = None,
    ) -> FunnelReport:
        """The contact lifecycle as a funnel: how a list was cleaned and who became a customer."""
        lo = None if since is None else ensure_aware(since, "since")
        hi = None if until is None else ensure_aware(until, "until")
        with self._ctx.read() as uow:
            changes = list(uow.lifecycle.iter_all())
        return lifecycle_report(
            changes, stages=self.lifecycle_stages, since=lo, until=hi, cohort=cohort
        )

    def win_model(
        self, pipeline_id: str, *, features: Sequence[str] | None = None, holdout: float = 0.25
    ) -> WinModel:
        """Learn win chances from the pipeline's closed deals; ``.evaluation`` says how well it
        did on a holdout of the most recently closed ones (Brier score, calibration)."""
        with self._ctx.read() as uow:
            pipeline, deals, changes = load_pipeline(uow, pipeline_id)
        if features is None:
            return fit_win_model(pipeline, deals, changes, holdout=holdout)
        return fit_win_model(pipeline, deals, changes, features=features, holdout=holdout)

    def forecast(
        self,
        pipeline_id: str,
        *,
        rates: RatesTable | None = None,
        currency: str | None = None,
        model: WinModel | None = None,
    ) -> Forecast:
        """Open deals' value by expected-close month, weighted by stage probability (or by a
        fitted :meth:`win_model`)."""
        with self._ctx.read() as uow:
            pipeline, deals, _ = load_pipeline(uow, pipeline_id)
        return forecast(pipeline, deals, rates=rates, currency=currency, model=model)

    def pipeline_as_of(self, pipeline_id: str, when: datetime) -> Board:
        """What the board looked like at *when*."""
        at = ensure_aware(when, "when")
        with self._ctx.read() as uow:
            pipeline, deals, changes = load_pipeline(uow, pipeline_id)
        return pipeline_as_of(pipeline, deals, changes, at)

    def rotting_deals(
        self, pipeline_id: str, *, now: datetime | None = None, owner: str | None = None
    ) -> list[Deal]:
        """Open deals past their stage's ``rotting_after``, longest-waiting first."""
        at = self._ctx.clock() if now is None else ensure_aware(now, "now")
        with self._ctx.read() as uow:
            pipeline, deals, _ = load_pipeline(uow, pipeline_id)
        return rotting_deals(pipeline, deals, at, owner=owner)

    # -- value -----------------------------------------------------------------------------

    def clv(
        self,
        *,
        as_of: datetime,
        model: str = "bgnbd",
        unit: timedelta = timedelta(days=7),
        horizon: timedelta = timedelta(days=365),
        period: timedelta = timedelta(days=30),
        discount_rate: float = 0.01,
        margin: Decimal = Decimal(1),
        currency: str | None = None,
        rates: RatesTable | None = None,
        progress: ProgressOption = None,
    ) -> CLVReport:
        """Lifetime value and P(alive) of every contact with a purchase, from the ledger.

        Fits a purchase model (``"bgnbd"``, ``"mbgnbd"`` or ``"paretonbd"``) and Gamma-Gamma
        on the ledger up to ``as_of``, then values each contact's next ``horizon`` by
        discounted cash flow (``discount_rate`` per ``period``). A ledger in several
        currencies needs ``rates``. ``progress``: ``callback(stage, done, total)`` or ``True``
        for a bar on stderr (``"load"``, ``"fit_purchases"``, ``"fit_spend"``, ``"value"``,
        then ``"done"``).
        """
        return compute_clv(
            self._ctx,
            as_of=as_of,
            model=model,
            unit=unit,
            horizon=horizon,
            period=period,
            discount_rate=discount_rate,
            margin=margin,
            currency=currency,
            rates=rates,
            progress=progress_callback(progress),
        )

    def revenue(
        self,
        *,
        by: Sequence[str] | str = ("category", "month"),
        since: datetime | None = None,
        until: datetime | None = None,
        rates: RatesTable | None = None,
        currency: str | None = None,
    ) -> RevenueReport:
        """Net, VAT and gross of the ledger's purchases less its refunds in ``[since,
        until)``, broken down ``by`` ``"product"``, ``"category"``, ``"year"``,
        ``"quarter"`` and ``"month"`` (UTC), in any order. Without ``rates`` each currency
        has rows of its own; with them every line is converted at its day's rate into
        ``currency`` (default: the rates' base). See docs/customer-file.md, "Revenue".

        >>> from datetime import UTC, datetime
        >>> from decimal import Decimal
        >>> from crmkit import CRM, Money
        >>> from crmkit.value.ledger import LineItem
        >>> crm = CRM()
        >>> _ = crm.products.create(sku="GOLD-12", name="Gold", category="packages",
        ...                         price=Money("600.00", "EUR"), vat_rate=Decimal("0.20"))
        >>> c = crm.contacts.create(name="Besa Kola")
        >>> _ = crm.transactions.add(c.id, kind="purchase", amount=Money("720.00", "EUR"),
        ...                          occurred_at=datetime(2026, 12, 5, tzinfo=UTC),
        ...                          lines=[LineItem.new(sku="GOLD-12",
        ...                                              unit_price=Money("600.00", "EUR"))])
        >>> row = crm.revenue(by=("category", "month")).rows[0]
        >>> row.key, row.net, row.vat
        (('packages', '2026-12'), Money('600.00', 'EUR'), Money('120.00', 'EUR'))
        >>> row.gross
        Money('720.00', 'EUR')
        """
        return revenue_report(
            self._ctx, by=by, since=since, until=until, rates=rates, currency=currency
        )

    def contract_retention(
        self, *, cohort: str = "start_year", as_of: date | None = None
    ) -> dict[str, list[int]]:
        """Survivor counts of each cohort of signed contracts (by ``"start_year"`` or
        ``"start_month"``) per period, as seen on *as_of* (default today, UTC): period 0 is
        a contract's first term, each renewal the next one (see
        :mod:`crmkit.customer_file.retention`). Ready for
        :meth:`crmkit.clv.ShiftedBetaGeoModel.fit_cohorts`."""
        day = self._ctx.clock().date() if as_of is None else ensure_day(as_of, "as_of")
        with self._ctx.read() as uow:
            contracts = CONTRACTS.on(uow).select()
        return survivors(contracts, cohort=cohort, as_of=day)

    # -- service desk ----------------------------------------------------------------------

    def service_report(
        self, *, since: datetime, until: datetime, at: datetime | None = None
    ) -> ServiceReport:
        """The service desk over the cases opened in ``[since, until)``: counts by reason,
        priority and assignee, SLA attainment per clock (running clocks judged at *at*,
        default now), CSAT, median first-response and resolution times in business time,
        and reasons compared with the period of the same length before
        (see :func:`crmkit.service.service_report`)."""
        return build_service_report(self._ctx, since=since, until=until, at=at)
