"""Work a schema migration leaves to Python, done once right after migrating."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from crmkit.storage.sql._contacts import SQLContactRepository
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
    """Index the contacts of workspaces that predate the match keys (migration 0011 lists them
    in ``match_keys_pending``). Each workspace is claimed by deleting its row in the same
    transaction as its rebuild, so concurrent openers index it once."""
    with storage.unit_of_work("", read_only=True) as probe:
        pending = [r[0] for r in probe.session.fetchall("SELECT workspace FROM match_keys_pending")]
    for workspace in pending:
        with storage.unit_of_work(workspace) as uow:
            if uow.session.execute(
                "DELETE FROM match_keys_pending WHERE workspace = ?", (workspace,)
            ):
                uow.contacts.rebuild_match_keys()
            uow.commit()
