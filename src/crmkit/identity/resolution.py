"""What :meth:`crmkit.CRM.resolve` answers: who this touchpoint is, and how sure we are."""

from __future__ import annotations

import attrs

from crmkit.contacts import Contact

__all__ = ["Candidate", "Resolution"]


@attrs.frozen
class Candidate:
    """A contact that may be the person, with the evidence for it.

    ``score`` is in [0, 1]; ``reasons`` are short human-readable lines such as
    ``"phone equal"``.
    """

    contact: Contact
    score: float
    reasons: tuple[str, ...] = ()


@attrs.frozen
class Resolution:
    """The outcome of resolving identities to a contact, without writing anything.

    ``contact`` is set only when the match is confident; ``candidates`` are best first.
    """

    contact: Contact | None
    score: float
    reasons: tuple[str, ...]
    candidates: tuple[Candidate, ...] = ()

    @property
    def is_confident(self) -> bool:
        return self.contact is not None
