"""Contacts, the identity index and the match-key index on any SQL backend."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence

from crmkit.contacts import Contact
from crmkit.errors import AlreadyExistsError, ContactNotFoundError, StaleVersionError
from crmkit.identity.contact_match import match_keys, same_match_fields
from crmkit.storage._identity import check_identities
from crmkit.storage.sql._bulk_insert import insert_rows
from crmkit.storage.sql._rows import (
    CONTACT_COLUMNS,
    CONTACT_WRITE_COLUMNS,
    contact_from_row,
    contact_to_row,
)
from crmkit.storage.sql._session import SQLSession, fetchall_in

__all__ = ["SQLContactRepository"]

_COLS = ", ".join(CONTACT_COLUMNS)
_SELECT = f"SELECT {_COLS} FROM contacts WHERE workspace = ? "
_C_COLUMNS = ", ".join("c." + c for c in CONTACT_COLUMNS)
_INSERT = (
    f"INSERT INTO contacts (workspace, {', '.join(CONTACT_WRITE_COLUMNS)})"
    f" VALUES (?{', ?' * len(CONTACT_WRITE_COLUMNS)})"
)
# The insert itself tells an id already taken: one round trip fewer than asking first.
_INSERT_NEW = _INSERT + " ON CONFLICT DO NOTHING"
_UPDATE = (
    "UPDATE contacts SET "
    + ", ".join(f"{c} = ?" for c in CONTACT_WRITE_COLUMNS[1:])
    + " WHERE workspace = ? AND id = ? AND version = ?"
)


# SQLite allows 500 terms in a compound SELECT.
_KEYS_PER_STATEMENT = 400


class SQLContactRepository:
    def __init__(self, db: SQLSession, workspace: str) -> None:
        self._db = db
        self._ws = workspace

    def _owners(self, contact: Contact) -> Callable[[str], list[tuple[str, bool]]]:
        """The holders of each of *contact*'s identity keys, read in one statement."""
        held = self._holders(contact.identity_keys())
        return lambda key: held.get(key, [])

    def _holders(self, keys: Iterable[str]) -> dict[str, list[tuple[str, bool]]]:
        """``(contact id, shared)`` of every holder of each key, by key and then contact id."""
        ordered = sorted(set(keys))
        held: dict[str, list[tuple[str, bool]]] = {}
        rows = fetchall_in(
            self._db,
            "SELECT key, contact_id, shared FROM identities "
            "WHERE workspace = ? AND {in} ORDER BY key, contact_id",
            "key",
            ordered,
            (self._ws,),
        )
        for key, owner, shared in rows:
            held.setdefault(key, []).append((owner, bool(shared)))
        return held

    def _write_identities(self, changes: Sequence[tuple[Contact | None, Contact]]) -> None:
        gone, shared, added = [], [], []
        for old, contact in changes:
            old_keys = old.identity_keys() if old else frozenset()
            new_keys = contact.identity_keys()
            gone += [(self._ws, k, contact.id) for k in sorted(old_keys - new_keys)]
            shared += [
                (k in contact.shared_identities, self._ws, k, contact.id)
                for k in sorted(new_keys & old_keys)
                if (k in contact.shared_identities)
                != (old is not None and k in old.shared_identities)
            ]
            added += [
                (self._ws, k, contact.id, k in contact.shared_identities)
                for k in sorted(new_keys - old_keys)
            ]
        if gone:
            self._db.executemany(
                "DELETE FROM identities WHERE workspace = ? AND key = ? AND contact_id = ?", gone
            )
        if shared:
            self._db.executemany(
                "UPDATE identities SET shared = ? "
                "WHERE workspace = ? AND key = ? AND contact_id = ?",
                shared,
            )
        if added:
            self._db.executemany(
                "INSERT INTO identities (workspace, key, contact_id, shared) VALUES (?, ?, ?, ?)",
                added,
            )

    def _write_tags(self, changes: Sequence[tuple[Contact | None, Contact]]) -> None:
        gone, added = [], []
        for old, contact in changes:
            old_tags = old.tags if old else frozenset()
            gone += [(self._ws, contact.id, t) for t in sorted(old_tags - contact.tags)]
            added += [(self._ws, contact.id, t) for t in sorted(contact.tags - old_tags)]
        if gone:
            self._db.executemany(
                "DELETE FROM contact_tags WHERE workspace = ? AND contact_id = ? AND tag = ?", gone
            )
        if added:
            self._db.executemany(
                "INSERT INTO contact_tags (workspace, contact_id, tag) VALUES (?, ?, ?)", added
            )

    def _write_match_keys(self, changes: Sequence[tuple[Contact | None, Contact]]) -> None:
        # Same transaction as the contact: every process sees keys and contacts agree.
        gone, added = [], []
        for old, contact in changes:
            if old is not None and same_match_fields(old, contact):
                continue
            old_keys = match_keys(old) if old else frozenset()
            new_keys = match_keys(contact)
            gone += [(self._ws, k, contact.id) for k in sorted(old_keys - new_keys)]
            added += [(self._ws, k, contact.id) for k in sorted(new_keys - old_keys)]
        if gone:
            self._db.executemany(
                "DELETE FROM match_keys WHERE workspace = ? AND key = ? AND contact_id = ?", gone
            )
        if added:
            self._db.executemany(
                "INSERT INTO match_keys (workspace, key, contact_id) VALUES (?, ?, ?)", added
            )

    def add(self, contact: Contact) -> None:
        check_identities(contact, self._owners(contact))
        row = (self._ws, *contact_to_row(contact, self._db.dialect))
        if self._db.execute(_INSERT_NEW, row) == 0:
            raise AlreadyExistsError("contact", contact.id)
        self._write_identities([(None, contact)])
        self._write_tags([(None, contact)])
        self._write_match_keys([(None, contact)])

    def add_many(self, contacts: Sequence[Contact]) -> None:
        """See :class:`crmkit.storage.protocols.BulkContacts`: the holders of every
        identity read in one statement, then one insert per table for the lot."""
        if not contacts:
            return
        contact_keys = {c.id: c.identity_keys() for c in contacts}
        held = self._holders(k for ks in contact_keys.values() for k in ks)
        if taken := self.existing_ids([c.id for c in contacts]):
            raise AlreadyExistsError("contact", min(taken))
        ids, tags, blocks = [], [], []
        for contact in contacts:  # in order, each checked against those before it
            check_identities(contact, lambda key: held.get(key, []))
            for key in contact_keys[contact.id]:
                held.setdefault(key, []).append((contact.id, key in contact.shared_identities))
                ids.append((self._ws, key, contact.id, key in contact.shared_identities))
            tags += [(self._ws, contact.id, t) for t in sorted(contact.tags)]
            blocks += [(self._ws, k, contact.id) for k in sorted(match_keys(contact))]
        dialect, db = self._db.dialect, self._db
        rows = [(self._ws, *contact_to_row(c, dialect)) for c in contacts]
        insert_rows(db, "contacts", CONTACT_WRITE_COLUMNS, rows)
        insert_rows(db, "identities", ("key", "contact_id", "shared"), ids)
        insert_rows(db, "contact_tags", ("contact_id", "tag"), tags)
        insert_rows(db, "match_keys", ("key", "contact_id"), blocks)

    def get(self, contact_id: str) -> Contact:
        found = self.find_by_id(contact_id)
        if found is None:
            raise ContactNotFoundError(contact_id)
        return found

    def find_by_id(self, contact_id: str) -> Contact | None:
        row = self._db.fetchone(_SELECT + "AND id = ?", (self._ws, contact_id))
        return None if row is None else contact_from_row(row, self._db.dialect)

    def existing_ids(self, contact_ids: Collection[str]) -> set[str]:
        return set(self.versions(contact_ids))

    def update(self, contact: Contact) -> None:
        old = self.get(contact.id)
        if contact.version != old.version + 1:
            raise StaleVersionError("contact", contact.id, contact.version - 1, old.version)
        check_identities(contact, self._owners(contact))
        row = contact_to_row(contact, self._db.dialect)
        changed = self._db.execute(_UPDATE, (*row[1:], self._ws, contact.id, old.version))
        if changed != 1:  # another writer got there between our read and our write
            raise StaleVersionError("contact", contact.id, old.version, None)
        self._write_identities([(old, contact)])
        self._write_tags([(old, contact)])
        self._write_match_keys([(old, contact)])

    def update_many(self, changes: Sequence[tuple[Contact, Contact]]) -> None:
        """See :class:`crmkit.storage.protocols.BulkContactUpdates`: the stored versions and
        the holders of every identity read in one statement each, an ``UPDATE`` per contact,
        then one statement per table for the identities, tags and match keys that changed."""
        if not changes:
            return
        stored = self.versions([new.id for _, new in changes])
        for old, contact in changes:  # nothing is written unless every change may be
            if contact.id not in stored:
                raise ContactNotFoundError(contact.id)
            if stored[contact.id] != old.version or contact.version <= old.version:
                raise StaleVersionError("contact", contact.id, old.version, stored[contact.id])
        held = self._holders(
            k for old, new in changes for k in old.identity_keys() | new.identity_keys()
        )
        for old, contact in changes:  # in order, each checked against those before it
            check_identities(contact, lambda key: held.get(key, []))
            mine = contact.identity_keys()
            for key in old.identity_keys() | mine:
                others = [h for h in held.get(key, []) if h[0] != contact.id]
                if key in mine:
                    others.append((contact.id, key in contact.shared_identities))
                held[key] = sorted(others)
        for old, contact in changes:
            row = contact_to_row(contact, self._db.dialect)
            if self._db.execute(_UPDATE, (*row[1:], self._ws, contact.id, old.version)) != 1:
                # Another writer got there since the versions were read.
                raise StaleVersionError("contact", contact.id, old.version, None)
        pairs: list[tuple[Contact | None, Contact]] = list(changes)
        self._write_identities(pairs)
        self._write_tags(pairs)
        self._write_match_keys(pairs)

    def versions(self, contact_ids: Collection[str]) -> dict[str, int]:
        """See :class:`crmkit.storage.protocols.ContactVersions`."""
        rows = fetchall_in(
            self._db,
            "SELECT id, version FROM contacts WHERE workspace = ? AND {in}",
            "id",
            sorted(set(contact_ids)),
            (self._ws,),
        )
        return {str(i): int(v) for i, v in rows}

    def remove(self, contact_id: str) -> Contact:
        old = self.get(contact_id)
        # Match keys are deleted by value: the table has no per-contact index to keep it
        # small and inserts cheap (rebuild_match_keys clears keys a changed scheme left).
        self._db.executemany(
            "DELETE FROM match_keys WHERE workspace = ? AND key = ? AND contact_id = ?",
            [(self._ws, k, contact_id) for k in sorted(match_keys(old))],
        )
        for table in ("identities", "contact_tags"):
            self._db.execute(
                f"DELETE FROM {table} WHERE workspace = ? AND contact_id = ?",
                (self._ws, contact_id),
            )
        self._db.execute(
            "DELETE FROM contacts WHERE workspace = ? AND id = ?", (self._ws, contact_id)
        )
        return old

    def match_key_holders(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        items = sorted(keys.items())
        for start in range(0, len(items), _KEYS_PER_STATEMENT):
            found.update(self._capped(items[start : start + _KEYS_PER_STATEMENT]))
        return {k: ids for k, ids in found.items() if len(ids) <= keys[k]}

    def match_key_holders_capped(self, keys: Mapping[str, int]) -> dict[str, list[str]]:
        """See :class:`crmkit.storage.protocols.CappedKeyHolders`: for a batch's keys, two
        plain statements per few hundred keys (how many hold each, then the holders of those
        under their limit) rather than a union of one range per key, whose planning cost
        a Citus coordinator 0.6 ms a key."""
        wanted = sorted(keys)
        found: dict[str, list[str]] = {}
        step = self._db.dialect.max_in_list
        for start in range(0, len(wanted), step):
            part = wanted[start : start + step]
            condition, params = self._db.dialect.in_list("key", part)
            counts = self._db.fetchall(
                f"SELECT key, count(*) FROM match_keys WHERE workspace = ? AND {condition} "
                "GROUP BY key",
                (self._ws, *params),
            )
            few = []
            for key, n in counts:
                if int(n) > keys[key]:
                    found[key] = []  # too common to look up
                else:
                    few.append(key)
            if not few:
                continue
            condition, params = self._db.dialect.in_list("key", few)
            rows = self._db.fetchall(
                f"SELECT key, contact_id FROM match_keys WHERE workspace = ? AND {condition} "
                "ORDER BY key, contact_id",
                (self._ws, *params),
            )
            for key, contact_id in rows:
                found.setdefault(key, []).append(contact_id)
        return found

    def _capped(self, keys: Sequence[tuple[str, int]]) -> dict[str, list[str]]:
        if not keys:
            return {}
        # One statement, one indexed range per key, each cut at limit + 1 rows: a common
        # key ("s:info", a popular name) costs a few rows, never all of its holders.
        parts: list[str] = []
        params: list[object] = []
        for n, (key, limit) in enumerate(keys):
            parts.append(
                f"SELECT key, contact_id FROM (SELECT key, contact_id FROM match_keys "
                f"WHERE workspace = ? AND key = ? ORDER BY contact_id LIMIT ?) AS k{n}"
            )
            params.extend((self._ws, key, limit + 1))
        found: dict[str, list[str]] = {}
        for key, contact_id in self._db.fetchall(" UNION ALL ".join(parts), params):
            found.setdefault(key, []).append(contact_id)
        return found

    def find_many(self, contact_ids: Collection[str]) -> list[Contact]:
        ids = sorted(set(contact_ids))
        rows = fetchall_in(self._db, _SELECT + "AND {in} ORDER BY id", "id", ids, (self._ws,))
        return [contact_from_row(r, self._db.dialect) for r in rows]

    def rebuild_match_keys(self) -> int:
        self._db.execute("DELETE FROM match_keys WHERE workspace = ?", (self._ws,))
        n = 0
        for contact in self.iter_all():
            self._write_match_keys([(None, contact)])
            n += 1
        return n

    def find_by_identity(self, key: str) -> list[Contact]:
        rows = self._db.fetchall(
            f"SELECT {_C_COLUMNS} FROM identities i "
            "JOIN contacts c ON c.workspace = i.workspace AND c.id = i.contact_id "
            "WHERE i.workspace = ? AND i.key = ? ORDER BY c.created_at, c.id",
            (self._ws, key),
        )
        return [contact_from_row(r, self._db.dialect) for r in rows]

    def find_by_identities(self, keys: Collection[str]) -> dict[str, list[Contact]]:
        """See :class:`crmkit.storage.protocols.IdentityOwners`: one statement for a row's
        keys instead of one per key."""
        found: dict[str, list[Contact]] = {}
        rows = fetchall_in(
            self._db,
            f"SELECT i.key, {_C_COLUMNS} FROM identities i "
            "JOIN contacts c ON c.workspace = i.workspace AND c.id = i.contact_id "
            "WHERE i.workspace = ? AND {in} ORDER BY i.key, c.created_at, c.id",
            "i.key",
            sorted(set(keys)),
            (self._ws,),
        )
        for key, *row in rows:
            found.setdefault(key, []).append(contact_from_row(tuple(row), self._db.dialect))
        return found

    def iter_all(self) -> Iterator[Contact]:
        rows = self._db.fetchall(_SELECT + "ORDER BY id", (self._ws,))
        return (contact_from_row(r, self._db.dialect) for r in rows)

    def count(self) -> int:
        row = self._db.fetchone("SELECT count(*) FROM contacts WHERE workspace = ?", (self._ws,))
        return int(row[0]) if row else 0

    # Contacts do not hang off other contacts; merges handle them through update/remove.
    def reassign_contact(self, from_id: str, to_id: str) -> list[str]:
        return []

    def assign_contact(self, record_ids: Sequence[str], contact_id: str) -> None:
        return None
