"""Organizations, saved segments, import fingerprints, consents, the ledger and lifecycle
steps, kept in the generic record store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crmkit.errors import (
    ConsentNotFoundError,
    LifecycleChangeNotFoundError,
    OrganizationNotFoundError,
    SegmentNotFoundError,
    TransactionNotFoundError,
)
from crmkit.funnel.lifecycle import LifecycleChange
from crmkit.organizations import Organization
from crmkit.privacy.consent import ConsentRecord
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic._table import LinkedThrough, RecordTable, TableKind, upsert
from crmkit.storage.records import KindRecords, RecordStore, StoredRecord
from crmkit.value.ledger import Transaction

__all__ = [
    "GenericConsentRepository",
    "GenericImportRowRepository",
    "GenericLifecycleRepository",
    "GenericOrganizationRepository",
    "GenericSegmentRepository",
    "GenericTransactionRepository",
]

ORGANIZATIONS = TableKind(
    "_org", "organization", AttrsCodec(Organization, contact=None), OrganizationNotFoundError
)
CONSENTS = TableKind("_consent", "consent record", AttrsCodec(ConsentRecord), ConsentNotFoundError)
TRANSACTIONS = TableKind(
    "_transaction", "transaction", AttrsCodec(Transaction), TransactionNotFoundError
)
LIFECYCLE = TableKind(
    "_lifecycle", "lifecycle change", AttrsCodec(LifecycleChange), LifecycleChangeNotFoundError
)
SEGMENT = "_segment"
IMPORT_ROW = "_import_row"


class GenericOrganizationRepository(RecordTable[Organization]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, ORGANIZATIONS)


class GenericConsentRepository(RecordTable[ConsentRecord]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, CONSENTS)

    def for_contact(self, contact_id: str) -> list[ConsentRecord]:
        return sorted(self.of_contact(contact_id), key=lambda c: (c.at, c.id))


class GenericTransactionRepository(RecordTable[Transaction]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, TRANSACTIONS)

    def for_contact(
        self, contact_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Transaction]:
        found = [
            t
            for t in self.of_contact(contact_id)
            if (since is None or t.occurred_at >= since)
            and (until is None or t.occurred_at < until)
        ]
        return sorted(found, key=lambda t: (t.occurred_at, t.id))


class GenericLifecycleRepository(RecordTable[LifecycleChange]):
    def __init__(self, store: RecordStore) -> None:
        super().__init__(store, LIFECYCLE)

    def for_contact(self, contact_id: str) -> list[LifecycleChange]:
        return sorted(self.of_contact(contact_id), key=lambda c: (c.at, c.id))

    def latest_for_contact(self, contact_id: str) -> LifecycleChange | None:
        found = self.for_contact(contact_id)
        return found[-1] if found else None


class GenericSegmentRepository:
    """Definitions by name: the record's id is the name."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store

    def put(self, name: str, definition: dict[str, Any], at: datetime) -> None:
        upsert(self._store, StoredRecord(SEGMENT, name, None, 1, {"definition": definition}))

    def get(self, name: str) -> dict[str, Any]:
        found = self._store.get_many(SEGMENT, [name])
        if not found:
            raise SegmentNotFoundError(name)
        return dict(found[0].body["definition"])

    def names(self) -> list[str]:
        return [r.id for r in self._store.select(SEGMENT)]

    def delete(self, name: str) -> None:
        self.get(name)
        self._store.remove(SEGMENT, name)


class GenericImportRowRepository(LinkedThrough):
    """Fingerprints as records of no body: the id is the fingerprint, the contact its row's."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store
        self.links = KindRecords(store, IMPORT_ROW)

    def find(self, fingerprint: str) -> str | None:
        found = self._store.get_many(IMPORT_ROW, [fingerprint])
        return found[0].contact_id if found else None

    def put(self, fingerprint: str, contact_id: str) -> None:
        if self._store.get_many(IMPORT_ROW, [fingerprint]):
            self._store.assign_contact(IMPORT_ROW, [fingerprint], contact_id)
        else:
            self._store.add(StoredRecord(IMPORT_ROW, fingerprint, contact_id, 1, {}))
