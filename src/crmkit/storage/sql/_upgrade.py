"""Work a schema migration leaves to Python, done once right after migrating."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from crmkit.storage.sql._contacts import SQLContactRepository
from crmkit.storage.sql._deal_ranges import recompute_ranges
from crmkit.storage.sql._session import SQLSession

__all__ = ["finish_upgrades"]


class _Unit(Protocol):
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
    (migration 0009 lists them in ``funnel_ranges_pending``) and the match keys of contacts
    that predate those (0011, ``match_keys_pending``). Each item is claimed by deleting its
    row in the same transaction as its work, so concurrent openers do it once."""
    with storage.unit_of_work("", read_only=True) as probe:
        ranges = probe.session.fetchall("SELECT workspace, pipeline_id FROM funnel_ranges_pending")
        pending = [r[0] for r in probe.session.fetchall("SELECT workspace FROM match_keys_pending")]
    for workspace, pipeline_id in ranges:
        with storage.unit_of_work(workspace) as uow:
            if uow.session.execute(
                "DELETE FROM funnel_ranges_pending WHERE workspace = ? AND pipeline_id = ?",
                (workspace, pipeline_id),
            ):
                recompute_ranges(uow.session, workspace, pipeline_id)
            uow.commit()
    for workspace in pending:
        with storage.unit_of_work(workspace) as uow:
            if uow.session.execute(
                "DELETE FROM match_keys_pending WHERE workspace = ?", (workspace,)
            ):
                uow.contacts.rebuild_match_keys()
            uow.commit()
