"""Work a schema migration leaves to Python, done once right after migrating."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import TracebackType
from typing import Protocol, Self

from crmkit.storage.sql._contacts import SQLContactRepository
from crmkit.storage.sql._deal_ranges import recompute_ranges
from crmkit.storage.sql._folded import refold
from crmkit.storage.sql._funnel import key_pipeline_names
from crmkit.storage.sql._revenue import count_old_entries
from crmkit.storage.sql._service import write_missing_facts
from crmkit.storage.sql._session import SQLSession

__all__ = ["finish_upgrades"]


class _Unit(Protocol):
    workspace: str
    session: SQLSession
    contacts: SQLContactRepository

    def commit(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class _SQLStorage(Protocol):
    def unit_of_work(self, workspace: str, *, read_only: bool = False) -> _Unit: ...


def finish_upgrades(storage: _SQLStorage) -> None:
    """Fill what migrations leave to Python: the deal ranges of pipelines that predate them
    (migration 0009 lists them in ``funnel_ranges_pending``), the match keys of contacts
    that predate those (0011, ``match_keys_pending``) and the folded twins of text columns
    (0013, ``fold_pending``), the name keys of pipelines (0020,
    ``pipeline_names_pending``), the service report's facts of cases stored before them
    (0021, ``case_facts_pending``) and the revenue lines of ledger entries (0022,
    ``revenue_pending``). Each item is claimed by deleting its row in the same
    transaction as its work, so concurrent openers do it once."""
    with storage.unit_of_work("", read_only=True) as probe:
        ranges = probe.session.fetchall("SELECT workspace, pipeline_id FROM funnel_ranges_pending")
        pending = [r[0] for r in probe.session.fetchall("SELECT workspace FROM match_keys_pending")]
        unfolded = [r[0] for r in probe.session.fetchall("SELECT workspace FROM fold_pending")]
        unnamed = [
            r[0] for r in probe.session.fetchall("SELECT workspace FROM pipeline_names_pending")
        ]
        cases = [r[0] for r in probe.session.fetchall("SELECT workspace FROM case_facts_pending")]
        uncounted = [r[0] for r in probe.session.fetchall("SELECT workspace FROM revenue_pending")]
    for workspace, pipeline_id in ranges:
        _claim(
            storage,
            workspace,
            "funnel_ranges_pending",
            (pipeline_id,),
            partial(_ranges, pipeline_id),
        )
    for workspace in pending:
        _claim(storage, workspace, "match_keys_pending", (), _match_keys)
    for workspace in unfolded:
        _claim(storage, workspace, "fold_pending", (), _folds)
    for workspace in unnamed:
        _claim(storage, workspace, "pipeline_names_pending", (), _pipeline_names)
    for workspace in cases:
        _claim(storage, workspace, "case_facts_pending", (), _case_facts)
    for workspace in uncounted:
        _claim(storage, workspace, "revenue_pending", (), _revenue)


def _ranges(pipeline_id: str, uow: _Unit) -> None:
    recompute_ranges(uow.session, uow.workspace, pipeline_id)


def _match_keys(uow: _Unit) -> None:
    uow.contacts.rebuild_match_keys()


def _folds(uow: _Unit) -> None:
    refold(uow.session, uow.workspace)


def _pipeline_names(uow: _Unit) -> None:
    key_pipeline_names(uow.session, uow.workspace)


def _case_facts(uow: _Unit) -> None:
    write_missing_facts(uow.session, uow.workspace)


def _revenue(uow: _Unit) -> None:
    count_old_entries(uow.session, uow.workspace)


def _claim(
    storage: _SQLStorage,
    workspace: str,
    table: str,
    key: tuple[str, ...],
    work: Callable[[_Unit], object],
) -> None:
    """Do *work* in *workspace* if this caller deletes its row of *table* (``workspace``,
    then ``pipeline_id`` when *key* holds one): in one transaction, so it happens once."""
    where = " AND pipeline_id = ?" if key else ""
    with storage.unit_of_work(workspace) as uow:
        if uow.session.execute(
            f"DELETE FROM {table} WHERE workspace = ?{where}", (workspace, *key)
        ):
            work(uow)
        uow.commit()
