"""The ``CRM`` facade: one object that composes a storage backend with every capability."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self, Unpack

from crmkit._api._base import Context, CRMOptions
from crmkit._api._kinds import DEFAULT_RECORD_KINDS
from crmkit._api.card import build_card
from crmkit._api.contacts import ContactsAPI
from crmkit._api.customer_file.contracts import AssetsAPI, ContractsAPI
from crmkit._api.customer_file.products import ProductsAPI, QuotesAPI
from crmkit._api.funnel.api import DealsAPI, PipelinesAPI
from crmkit._api.identity.api import IdentityMixin
from crmkit._api.identity.recording import record_touchpoint
from crmkit._api.identity.resolve import (
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    MatchPolicy,
)
from crmkit._api.importing import BATCH_SIZE, MATCH_ON, import_contacts
from crmkit._api.interactions import InteractionsAPI
from crmkit._api.marketing.campaigns import CampaignsAPI
from crmkit._api.marketing.coupons import CouponsAPI
from crmkit._api.marketing.loyalty import LoyaltyAPI
from crmkit._api.marketing.referrals import ReferralsAPI
from crmkit._api.organizations import OrganizationsAPI
from crmkit._api.privacy.erasure import ErasuresAPI
from crmkit._api.reports import ReportsMixin
from crmkit._api.segments.api import ConsentAPI, SegmentsAPI
from crmkit._api.segments.lists import ListsAPI
from crmkit._api.service.cases import CasesAPI
from crmkit._api.service.sla import SlaAPI
from crmkit._api.tasks.api import TasksAPI, UsersAPI
from crmkit._api.tasks.automation import AutomationAPI, OutboxAPI
from crmkit._api.value.transactions import TransactionsAPI
from crmkit._missing import present
from crmkit._progress import ProgressOption
from crmkit._text_limits import SHORT_TEXT, check_text
from crmkit._types import ensure_aware, utcnow
from crmkit.card import ContactCard
from crmkit.errors import (
    ValidationError,
)
from crmkit.funnel.lifecycle import LifecycleStages
from crmkit.identity.model import MatchModel
from crmkit.identity.normalize import normalize_channel
from crmkit.importing import DataFrameLike, ImportReport
from crmkit.interactions import Interaction
from crmkit.privacy.consent import DEFAULT_PURPOSES, check_purposes
from crmkit.privacy.erasure import check_pepper
from crmkit.storage import MemoryStorage, complete, is_postgres_url, open_storage
from crmkit.storage.kinds import RecordKind, check_kinds
from crmkit.storage.protocols import Storage

__all__ = ["CRM"]


class CRM(IdentityMixin, ReportsMixin):
    """A business's memory of its customers, bound to one workspace.

    >>> from datetime import UTC, datetime
    >>> crm = CRM(default_region="AL")
    >>> it = crm.record(channel="instagram", handle="besa.kola", name="Besa",
    ...                 summary="Asked about the Gold package",
    ...                 occurred_at=datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    >>> crm.contacts.add_identity(it.contact_id, phone="069 123 4567").phones
    ('+355691234567',)
    >>> call = crm.record(channel="phone", phone="+355691234567", summary="Called back",
    ...                   occurred_at=datetime(2026, 5, 3, 10, 0, tzinfo=UTC))
    >>> call.contact_id == it.contact_id
    True
    >>> [i.summary for i in crm.timeline(it.contact_id)]
    ['Called back', 'Asked about the Gold package']
    """

    def __init__(
        self,
        storage: Storage | None = None,
        *,
        workspace: str = "default",
        default_region: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        lifecycle_stages: LifecycleStages | None = None,
        purposes: Iterable[str] = DEFAULT_PURPOSES,
        suppression_pepper: str | bytes | None = None,
        match_threshold: float = MATCH_THRESHOLD,
        review_threshold: float = REVIEW_THRESHOLD,
        match_model: MatchModel | None = None,
        record_kinds: Iterable[RecordKind] = DEFAULT_RECORD_KINDS,
    ) -> None:
        """``purposes`` are the consent purposes this CRM knows (default
        :data:`crmkit.privacy.consent.DEFAULT_PURPOSES`; extend with ``DEFAULT_PURPOSES | {...}``);
        ``suppression_pepper`` is an application secret, kept outside the database, mixed
        into the markers erasures leave (see :mod:`crmkit.privacy.erasure`); ``record_kinds`` are
        the contact-linked kinds merges, erasures and exports handle (default: the storage
        layer's :data:`crmkit.storage.kinds.RECORD_KINDS`, service cases, quotes, contracts,
        assets, campaign members and events, coupon redemptions, points entries and
        referrals, as
        ``crm.record_kinds``; extend that, see docs/storage.md)."""
        if not isinstance(workspace, str) or not workspace.strip():
            raise ValidationError("workspace", workspace, "a non-empty name is required")
        check_text("workspace", workspace, limit=SHORT_TEXT)
        region = None
        if default_region is not None:
            if not isinstance(default_region, str) or len(default_region.strip()) != 2:
                raise ValidationError("default_region", default_region, "expected e.g. 'AL'")
            region = default_region.strip().upper()
        self.storage: Storage = MemoryStorage() if storage is None else complete(storage)
        self.workspace = workspace
        self.default_region = region
        check_pepper(suppression_pepper)
        self.purposes = check_purposes(purposes)
        self._ctx = Context(
            self.storage,
            workspace,
            region,
            clock,
            purposes=self.purposes,
            suppression_pepper=suppression_pepper,
            record_kinds=check_kinds(record_kinds),
        )
        self.match_policy: MatchPolicy = MatchPolicy(
            match_threshold, review_threshold, match_model or MatchModel.default()
        )
        self.lifecycle_stages = lifecycle_stages or LifecycleStages.default()
        self.contacts: ContactsAPI = ContactsAPI(self._ctx, self.lifecycle_stages)
        self.interactions: InteractionsAPI = InteractionsAPI(self._ctx)
        self.organizations: OrganizationsAPI = OrganizationsAPI(self._ctx)
        self.transactions: TransactionsAPI = TransactionsAPI(self._ctx)
        self.pipelines: PipelinesAPI = PipelinesAPI(self._ctx)
        self.deals: DealsAPI = DealsAPI(self._ctx)
        self.segments: SegmentsAPI = SegmentsAPI(self._ctx)
        self.consent: ConsentAPI = ConsentAPI(self._ctx)
        self.users: UsersAPI = UsersAPI(self._ctx)
        self.tasks: TasksAPI = TasksAPI(self._ctx)
        self.erasures: ErasuresAPI = ErasuresAPI(self._ctx)
        self.lists: ListsAPI = ListsAPI(self._ctx)
        self.automation: AutomationAPI = AutomationAPI(self._ctx)
        self.outbox: OutboxAPI = OutboxAPI(self._ctx)
        self.sla: SlaAPI = SlaAPI(self._ctx)
        self.cases: CasesAPI = CasesAPI(self._ctx)
        self.campaigns: CampaignsAPI = CampaignsAPI(self._ctx)
        self.coupons: CouponsAPI = CouponsAPI(self._ctx)
        self.loyalty: LoyaltyAPI = LoyaltyAPI(self._ctx)
        self.referrals: ReferralsAPI = ReferralsAPI(self._ctx)
        self.products: ProductsAPI = ProductsAPI(self._ctx)
        self.quotes: QuotesAPI = QuotesAPI(self._ctx)
        self.contracts: ContractsAPI = ContractsAPI(self._ctx)
        self.assets: AssetsAPI = AssetsAPI(self._ctx)

    @property
    def record_kinds(self) -> tuple[RecordKind, ...]:
        """The record kinds merges, erasures and exports of this CRM handle."""
        return self._ctx.record_kinds

    @classmethod
    def open(
        cls,
        target: str,
        *,
        schema: str | None = None,
        create: bool | None = None,
        **options: Unpack[CRMOptions],
    ) -> CRM:
        """Open a SQLite file or a ``postgresql://`` database; *options* are those of
        :class:`CRM` (``workspace=``, ``default_region=``, ...).

        On PostgreSQL crmkit's tables live in the schema ``crmkit`` unless ``schema=`` names
        another. A SQLite file or the schema's tables are created when absent unless
        ``create=False``; a schema that holds other tables and none of crmkit's is used only
        with ``create=True`` (:class:`crmkit.errors.ConfigurationError` otherwise).

        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "crm.sqlite")
        ...     with CRM.open(path, workspace="acme") as crm:
        ...         print(crm.workspace)
        ...     CRM.open(path + ".typo", create=False)
        Traceback (most recent call last):
        ...
        crmkit.errors.ConfigurationError: ...crm.sqlite.typo: no such database file (create=False)
        """
        if schema is None and is_postgres_url(target):
            schema = "crmkit"
        return cls(open_storage(target, schema=schema, create=create), **options)

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CRM({self.storage!r}, workspace={self.workspace!r})"

    # -- identity --------------------------------------------------------------------------

    def import_contacts(
        self,
        rows: Iterable[Mapping[str, Any]] | DataFrameLike,
        *,
        match_on: Iterable[str] = MATCH_ON,
        dry_run: bool = False,
        all_or_nothing: bool = False,
        batch_size: int = BATCH_SIZE,
        progress: ProgressOption = None,
    ) -> ImportReport:
        """Import contact rows, updating the people crmkit already knows.

        Each row is matched on its identities (``match_on``): no owner creates a contact,
        one owner fills in what that contact lacks (values people entered are never
        overwritten), two owners is a conflict. Bad rows are reported with the reason and the
        rest proceeds, unless ``all_or_nothing=True``, which writes nothing when any row fails.

        Rows are committed *batch_size* at a time (default 5000), each batch its own
        transaction, so other writers wait one batch at most; ``progress("import", done, total)``
        is called after each, then ``("done", ...)`` (``True``: a bar). When a batch fails, the
        batches before it stay committed and :class:`crmkit.errors.ImportInterruptedError`
        says how many rows were; importing the same rows again finishes the job.
        ``all_or_nothing=True`` and ``dry_run=True`` run in one transaction.
        A created contact that plausibly is one already known (``review_threshold``, as for
        :meth:`record`) gets a review item (``RowOutcome.review_id``).
        ``dry_run=True`` reports what would happen and writes nothing. *rows* may be a pandas
        data frame; empty cells (NaN, ``pd.NA``) are missing values. Importing the same rows
        again writes nothing, rows without identities included (see docs/importing.md).

        >>> crm = CRM()
        >>> rows = [{"full_name": "Besa Kola"}, {"name": "Arta", "external_id": 7}]
        >>> crm.import_contacts(rows).summary(), crm.import_contacts(rows).summary()
        ({'created': 2}, {'unchanged': 2})
        """
        return import_contacts(
            self._ctx,
            rows,
            match_on=match_on,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            batch_size=batch_size,
            progress=progress,
            policy=self.match_policy,
        )

    # -- interaction history ---------------------------------------------------------------

    def record(
        self,
        *,
        channel: Any,
        direction: Any = "inbound",
        email: Any = None,
        phone: Any = None,
        handle: Any = None,
        external_id: Any = None,
        name: Any = None,
        region: str | None = None,
        city: Any = None,
        postcode: Any = None,
        birthday: Any = None,
        occurred_at: datetime | None = None,
        summary: str | None = None,
        body: str | None = None,
        handled_by: str | None = None,
        outcome: str | None = None,
        deal_id: str | None = None,
        task_id: str | None = None,
        id: str | None = None,
    ) -> Interaction:
        """Resolve the sender (or create a new contact) and log the touchpoint, atomically.

        *email*, *phone*, *handle* (on *channel*) and *external_id* identify the sender;
        *name*, *city*, *postcode* and *birthday* are evidence for a fuzzy match and the new
        contact's fields; the rest are the interaction's, as for ``crm.interactions.log``
        (*occurred_at* defaults to now).

        A known identity decides; otherwise a fuzzy match links only when confident (see
        :meth:`resolve`). When it is plausible (``review_threshold``, 0.1) but not confident, a
        new contact is created and a review item names the likely matches
        (:meth:`review_queue`). Identities given that the resolved contact does not hold yet
        are attached to it. When the identities belong to two different contacts, the
        touchpoint goes to the owner of the identity it came in on (the number of a call, the
        mailbox of an email, the handle of a DM; otherwise the owner the name and the rest
        score best), each keeps its identities, and a review item asks whether they are one
        person (none for an identity its owner declares shared). An identity of an erased
        person raises :class:`crmkit.errors.SuppressedContactError`.
        """
        # A notebook row gives NaN for an empty cell: the interaction's fields read it as None,
        # but a missing time would silently become "now", so times stay strict.
        texts = {
            "summary": summary,
            "body": body,
            "handled_by": handled_by,
            "outcome": outcome,
            "deal_id": deal_id,
            "task_id": task_id,
            "id": id,
        }
        fields = {k: present(v) for k, v in texts.items()} | {"occurred_at": occurred_at}
        chan = normalize_channel(channel)
        ids = self._identities(email, phone, handle, region, chan, external_id)
        if not ids.lookup_keys():
            raise ValidationError(
                "identity", None, "record() needs email=, phone=, handle= or external_id="
            )
        ev = self._evidence(name, city, postcode, birthday, region)
        direction = present(direction) or "inbound"
        return record_touchpoint(self._ctx, self.match_policy, chan, direction, ids, ev, fields)

    def timeline(
        self,
        contact_id: str,
        *,
        limit: int | None = 20,
        channel: str | None = None,
        direction: str | None = None,
        handled_by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Interaction]:
        """The contact's touchpoints, newest first (ties: most recently recorded first).

        ``since`` is inclusive and ``until`` exclusive; ``limit=None`` returns everything.
        """
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise ValidationError("limit", limit, "a non-negative integer or None")
        chan = None if channel is None else normalize_channel(channel)
        lo = None if since is None else ensure_aware(since, "since")
        hi = None if until is None else ensure_aware(until, "until")
        with self._ctx.read() as uow:
            found = uow.interactions.timeline(
                contact_id,
                limit=limit,
                channel=chan,
                direction=direction,
                handled_by=handled_by,
                since=lo,
                until=hi,
            )
            # A row proves the contact exists (interactions reference it); only an empty
            # answer pays for reading the contact, to tell "unknown id" from "no history".
            if not found:
                uow.contacts.get(contact_id)
            return found

    def last_interaction(
        self, contact_id: str, *, direction: str | None = None
    ) -> Interaction | None:
        """Who last spoke to them, and about what (``None`` if nobody ever did)."""
        found = self.timeline(contact_id, limit=1, direction=direction)
        return found[0] if found else None

    def contact_card(self, contact_id: str, *, history: int = 5) -> ContactCard:
        """Everything the person answering needs about one contact, from one consistent read:
        who they are, the last *history* touchpoints, what they bought and paid (per
        currency), open deals, and open tasks about them (what was promised next, by whom).

        >>> from datetime import UTC, datetime
        >>> crm = CRM(default_region="AL")
        >>> c = crm.contacts.create(name="Besa Kola", phones=["069 123 4567"])
        >>> _ = crm.tasks.create("Send the Gold offer", assignee="arta", contact_id=c.id,
        ...                      due=datetime(2026, 11, 18, 10, 30, tzinfo=UTC))
        >>> card = crm.contact_card(c.id)
        >>> card.next_promise.title, card.next_promise.assignee
        ('Send the Gold offer', 'arta')
        >>> print(card.render())
        Besa Kola · ? · owner: nobody
        +355691234567
        promised: Send the Gold offer · arta · due Wed 18 Nov 10:30
        """
        return build_card(self._ctx, contact_id, history=history)
