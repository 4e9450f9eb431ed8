"""The protocol of import fingerprints (re-exported by ``storage.protocols``)."""

from __future__ import annotations

from typing import Protocol

from crmkit.storage._linked import ContactErasable, ContactLinked

__all__ = ["ImportRowRepository"]


class ImportRowRepository(ContactLinked, ContactErasable, Protocol):
    """Which contact each imported row became, by the row's fingerprint
    (:func:`crmkit.importing.row_fingerprint`, a SHA-256 hex digest: no values are kept).

    Fingerprints follow their contact through merges (the record ids that
    ``reassign_contact`` returns and ``assign_contact`` takes are the fingerprints) and go
    with it when it is erased.
    """

    def find(self, fingerprint: str) -> str | None:
        """The id of the contact the row became, or None for a row never imported."""
        ...

    def put(self, fingerprint: str, contact_id: str) -> None:
        """Remember (or re-point) the row's contact."""
        ...
