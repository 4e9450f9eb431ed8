"""A kind of record kept in the generic store, declared once (fields, keys, merge, erasure,
export), and its typed repository on a unit of work.

>>> from datetime import date
>>> import attrs
>>> from crmkit import CRM
>>> from crmkit.storage.codec import AttrsCodec
>>> @attrs.frozen
... class Warranty:
...     id: str
...     contact_id: str
...     serial: str
...     ends_on: date
>>> WARRANTIES = StoredKind(
...     "warranties", AttrsCodec(Warranty, keys=lambda w: {"serial": w.serial}, unique={"serial"})
... )
>>> crm = CRM(record_kinds=(*CRM().record_kinds, WARRANTIES.kind))
>>> besa = crm.contacts.create(name="Besa Kola")
>>> with crm.storage.unit_of_work(crm.workspace) as uow:
...     WARRANTIES.on(uow).add(Warranty("w-1", besa.id, "SN-77", date(2028, 1, 31)))
...     uow.commit()
>>> crm.contacts.export(besa.id)["warranties"][0]["serial"]
'SN-77'
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any, Generic, TypeVar

import attrs

from crmkit.errors import ValidationError
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.generic import add_records
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.records import KindRecords, RecordStore

__all__ = ["StoredKind", "TypedRecords"]

T = TypeVar("T")


class TypedRecords(Generic[T]):
    """One kind's records on one unit of work, as domain objects."""

    def __init__(self, store: RecordStore, name: str, codec: AttrsCodec[T]) -> None:
        self._store = store
        self._name = name
        self._codec = codec

    def add(self, record: T) -> None:
        self._store.add(self._codec.encode(self._name, record))

    def add_many(self, records: Iterable[T]) -> int:
        """Add them all or none (see :class:`crmkit.storage.records.BulkRecordStore`)."""
        return add_records(self._store, (self._codec.encode(self._name, r) for r in records))

    def get(self, record_id: str) -> T:
        """The record, or :class:`crmkit.errors.RecordNotFoundError`."""
        return self._codec.decode(self._store.get(self._name, record_id))

    def get_many(self, record_ids: Collection[str]) -> list[T]:
        return [self._codec.decode(r) for r in self._store.get_many(self._name, record_ids)]

    def update(self, record: T) -> None:
        """Store the next version: a versioned class's ``version`` must be the stored one + 1
        (:class:`crmkit.errors.StaleVersionError` otherwise); an unversioned one overwrites."""
        if self._codec.versioned:
            self._store.update(self._codec.encode(self._name, record))
            return
        stored = self._store.get(self._name, getattr(record, "id"))  # noqa: B009
        self._store.update(self._codec.encode(self._name, record, version=stored.version + 1))

    def remove(self, record_id: str) -> None:
        self._store.remove(self._name, record_id)

    def for_contact(self, contact_id: str) -> list[T]:
        return [self._codec.decode(r) for r in self._store.for_contact(self._name, contact_id)]

    def select(
        self,
        key: str | None = None,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
        limit: int | None = None,
    ) -> list[T]:
        """See :meth:`crmkit.storage.records.RecordStore.select`."""
        found = self._store.select(
            self._name, key, equals=equals, at_least=at_least, at_most=at_most, limit=limit
        )
        return [self._codec.decode(r) for r in found]

    def count(
        self,
        key: str | None = None,
        *,
        equals: str | None = None,
        at_least: str | None = None,
        at_most: str | None = None,
    ) -> int:
        return self._store.count(self._name, key, equals=equals, at_least=at_least, at_most=at_most)


@attrs.frozen
class StoredKind(Generic[T]):
    """A kind of record that lives in the generic store (``uow.records``).

    ``name`` is the kind's stored name and its key in merge records, erasure records and
    the export; it never changes once released, and may not start with ``_`` (crmkit's own
    kinds, see :mod:`crmkit.storage.generic`). Records of a codec with a contact follow
    it through merges and unmerges and go with it on erasure, unless ``on_erasure`` returns
    an anonymised copy to keep (detached: its contact is set to ``None``, so the codec's
    contact attribute must allow ``None``). ``export=False`` keeps the kind out of the
    export; say why where you declare it.
    """

    name: str
    codec: AttrsCodec[T]
    export: bool = True
    on_erasure: Callable[[T], T | None] | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValidationError("name", self.name, "a kind name is a Python identifier")
        if self.name.startswith("_"):
            # crmkit.storage.generic keeps its own aggregates under such names
            raise ValidationError("name", self.name, "kind names starting with _ are crmkit's")
        if self.on_erasure is not None and self.codec.contact is None:
            raise ValidationError("on_erasure", self.name, "records of no contact are not erased")

    def on(self, uow: UnitOfWork) -> TypedRecords[T]:
        """The kind's records on *uow*."""
        return TypedRecords(uow.records, self.name, self.codec)

    @property
    def kind(self) -> RecordKind:
        """The declaration merges, unmerges, erasures and exports read (put it in the
        ``record_kinds`` a :class:`crmkit.CRM` is given)."""
        if self.codec.contact is None:
            return RecordKind(self.name, None)
        name = self.name
        return RecordKind(
            name,
            lambda uow: KindRecords(uow.records, name),
            export=(lambda uow, cid: self.on(uow).for_contact(cid)) if self.export else None,
            keep_on_erasure=None if self.on_erasure is None else self._keep,
        )

    def _keep(self, uow: UnitOfWork, contact_id: str, erasure_id: str) -> None:
        assert self.on_erasure is not None
        assert self.codec.contact is not None
        records = self.on(uow)
        for record in records.for_contact(contact_id):
            kept: Any = self.on_erasure(record)
            if kept is None:
                continue
            if getattr(kept, "id") != getattr(record, "id"):  # noqa: B009
                raise ValidationError("on_erasure", kept, "must keep the record's id")
            changes: dict[str, Any] = {self.codec.contact: None}
            if self.codec.versioned:
                changes["version"] = getattr(record, "version") + 1  # noqa: B009
            records.update(attrs.evolve(kept, **changes))
