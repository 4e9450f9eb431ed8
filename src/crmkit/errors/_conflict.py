"""A write that contradicts what is stored: :class:`ConflictError` and its kinds."""

from __future__ import annotations

from typing import Any

from crmkit.errors._validation import CRMError

__all__ = [
    "AlreadyExistsError",
    "ConflictError",
    "DuplicateContactError",
    "DuplicateNameError",
    "ErasedContactError",
    "MergeConflictError",
    "StaleVersionError",
    "SuppressedContactError",
    "UniqueKeyError",
    "UnmergeOrderError",
]


class ConflictError(CRMError):
    """The write contradicts what is already stored; nothing was written."""


class DuplicateContactError(ConflictError):
    """An identity (email, phone, handle) already belongs to another contact.

    >>> err = DuplicateContactError("phone:+355691234567", "c-1")
    >>> err.contact_id
    'c-1'
    """

    def __init__(self, identity: str, contact_id: str) -> None:
        self.identity = identity
        self.contact_id = contact_id
        super().__init__(f"identity {identity!r} already belongs to contact {contact_id!r}")


class SuppressedContactError(ConflictError):
    """An identity of a person who was erased: crmkit keeps a hashed marker of it so that the
    person is not brought back by an import, a new contact or an inbound message.

    >>> err = SuppressedContactError("email", "besa@example.al")
    >>> err.field, err.value
    ('email', 'besa@example.al')
    >>> str(err)
    "email 'besa@example.al' belongs to an erased person; it stays suppressed"
    """

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field} {value!r} belongs to an erased person; it stays suppressed")


class ErasedContactError(ConflictError):
    """The operation needs a contact that was erased (e.g. undoing a merge it took part in).

    >>> ErasedContactError("c-1", "merge 'm-1' cannot be undone").contact_id
    'c-1'
    """

    def __init__(self, contact_id: str, what: str) -> None:
        self.contact_id = contact_id
        super().__init__(f"{what}: contact {contact_id!r} was erased")


class AlreadyExistsError(ConflictError):
    """A record with this key already exists (a segment name, a user id)."""

    def __init__(self, kind: str, key: Any) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} already exists")


class UniqueKeyError(AlreadyExistsError):
    """Another record of the kind already holds this value of a unique key.

    >>> str(UniqueKeyError("coupon", "code", "SUMMER26"))
    "coupon code 'SUMMER26' already exists"
    """

    def __init__(self, kind: str, key: str, value: str) -> None:
        self.key_name = key
        super().__init__(f"{kind} {key}", value)


class DuplicateNameError(AlreadyExistsError):
    """A name another record of the workspace holds (a pipeline's); names are compared
    ignoring case and runs of spaces. ``field`` and ``value`` are what was given,
    ``existing_id`` the record that holds the name.

    >>> err = DuplicateNameError("pipeline", "name", "sales", "p-1")
    >>> err.field, err.value, err.existing_id
    ('name', 'sales', 'p-1')
    >>> print(err)
    pipeline name 'sales' is taken by pipeline 'p-1' (names are compared ignoring case and spacing)
    """

    def __init__(self, kind: str, field: str, value: Any, existing_id: str) -> None:
        super().__init__(kind, value)
        self.field = field
        self.value = value
        self.existing_id = existing_id
        self.args = (
            f"{kind} {field} {value!r} is taken by {kind} {existing_id!r} "
            "(names are compared ignoring case and spacing)",
        )


class StaleVersionError(ConflictError):
    """Optimistic concurrency: somebody else changed the record since it was read."""

    def __init__(self, kind: str, key: Any, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{kind} {key!r} was changed concurrently: expected version {expected}, "
            f"found {actual}; read it again and retry"
        )


class MergeConflictError(StaleVersionError):
    """An unmerge would take back values changed since the merge; ``fields`` names them
    (``"city"``, ``"custom['tier']"``) and ``merge_id`` the merge."""

    def __init__(
        self, merge_id: str, contact_id: str, fields: tuple[str, ...], expected: int, actual: int
    ) -> None:
        super().__init__("contact", contact_id, expected, actual)
        self.merge_id = merge_id
        self.fields = fields
        self.args = (
            f"merge {merge_id!r} cannot be undone: {', '.join(fields)} of contact "
            f"{contact_id!r} changed since, after the merge changed it too; change it back "
            "or edit the contacts by hand",
        )


class UnmergeOrderError(ConflictError):
    """A merge cannot be undone yet: its survivor (``contact_id``) was merged into another
    contact since. ``undo_first`` names the later merges to undo first, in that order; the
    last of them took the survivor.

    >>> err = UnmergeOrderError("m-1", "c-a", ("m-2",), "c-z")
    >>> err.undo_first
    ('m-2',)
    >>> print(err)
    merge 'm-1' cannot be undone yet: its survivor, contact 'c-a', was merged into contact \
'c-z' by merge 'm-2' since; undo merge 'm-2' first
    >>> print(UnmergeOrderError("m-1", "c-a", ("m-3", "m-2"), "c-z"))
    merge 'm-1' cannot be undone yet: its survivor, contact 'c-a', was merged into contact \
'c-z' by merge 'm-2' since (and that contact on by merge 'm-3'); undo merges 'm-3', \
'm-2' first, in that order
    """

    def __init__(
        self, merge_id: str, contact_id: str, undo_first: tuple[str, ...], into_id: str
    ) -> None:
        self.merge_id = merge_id
        self.contact_id = contact_id
        self.undo_first = undo_first
        taken_by = undo_first[-1]
        later = ", ".join(repr(m) for m in undo_first[-2::-1])
        merges = "merges" if len(undo_first) > 2 else "merge"
        chain = f" (and that contact on by {merges} {later})" if later else ""
        todo = (
            f"undo merge {taken_by!r} first"
            if len(undo_first) == 1
            else f"undo merges {', '.join(repr(m) for m in undo_first)} first, in that order"
        )
        super().__init__(
            f"merge {merge_id!r} cannot be undone yet: its survivor, contact {contact_id!r}, "
            f"was merged into contact {into_id!r} by merge {taken_by!r} since{chain}; {todo}"
        )
