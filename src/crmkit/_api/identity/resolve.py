"""Who is this? Exact identities first, then fuzzy candidates through the stored blocking
keys, scored by the identity engine; and, for ``record()``, resolve-or-create with a review
item when the best match is likely but not sure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from crmkit._api.identity._identities import IdentityArgs
from crmkit._api.identity._owners import choose_owner
from crmkit._missing import is_missing
from crmkit._text_limits import SHORT_TEXT
from crmkit._types import ensure_date, new_id
from crmkit.contacts import Contact, check_text
from crmkit.errors import ValidationError
from crmkit.identity.contact_match import (
    RankedContact,
    ScoredContact,
    query_keys,
    rank_contacts,
)
from crmkit.identity.model import MatchModel
from crmkit.identity.prepare import PreparedRecord, prepare
from crmkit.identity.resolution import Candidate, Resolution
from crmkit.identity.review import ReviewItem
from crmkit.storage.protocols import UnitOfWork, prepared_forms_of

__all__ = [
    "CANDIDATE_FLOOR",
    "MATCH_THRESHOLD",
    "REVIEW_THRESHOLD",
    "Evidence",
    "MatchPolicy",
    "Resolved",
    "resolve_in",
    "resolve_or_create",
    "review_in",
    "review_new_contact",
]

# A fuzzy match at or above this probability (and backed by more than a name) is the
# contact: resolve() sets .contact and record() links to it. The Matcher's default, too.
MATCH_THRESHOLD = 0.97
# record() files a review item when its best candidate reaches this but not MATCH_THRESHOLD:
# a full name in any script, with nothing against it, scores about 0.12 with the default
# model; measured on two labelled sets, half the items it files name the right person
# (benchmarks/bench_review.py).
REVIEW_THRESHOLD = 0.1
# Candidates under this probability are not worth showing.
CANDIDATE_FLOOR = 0.01


def _check_threshold(field: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value < 1.0:
        raise ValidationError(field, value, "a probability strictly between 0 and 1")


@attrs.frozen
class MatchPolicy:
    """How sure fuzzy matching must be: thresholds, the model, how many candidates."""

    match_threshold: float = MATCH_THRESHOLD
    review_threshold: float = REVIEW_THRESHOLD
    model: MatchModel = attrs.field(factory=MatchModel.default)
    limit: int = 10

    def __attrs_post_init__(self) -> None:
        _check_threshold("match_threshold", self.match_threshold)
        _check_threshold("review_threshold", self.review_threshold)
        if self.review_threshold > self.match_threshold:
            raise ValidationError(
                "review_threshold", self.review_threshold, "must not exceed match_threshold"
            )


def _text(field: str, value: Any) -> str | None:
    if is_missing(value):
        return None
    if not isinstance(value, str):
        raise ValidationError(field, value, "expected a string")
    check_text(field, value, limit=SHORT_TEXT)
    return " ".join(value.split()) or None


@attrs.frozen
class Evidence:
    """What a touchpoint says about the person besides identities."""

    name: str | None = None
    city: str | None = None
    postcode: str | None = None
    birthday: date | None = None
    region: str | None = None

    @classmethod
    def parse(
        cls, *, name: Any, city: Any, postcode: Any, birthday: Any, region: str | None
    ) -> Evidence:
        return cls(
            name=_text("name", name),
            city=_text("city", city),
            postcode=_text("postcode", postcode),
            birthday=None if is_missing(birthday) else ensure_date(birthday, "birthday"),
            region=region,
        )

    def contact_fields(self) -> dict[str, Any]:
        """Fields a contact created from this touchpoint starts with."""
        fields = {
            "name": self.name,
            "city": self.city,
            "postcode": self.postcode,
            "birthday": self.birthday,
            "region": self.region,
        }
        return {k: v for k, v in fields.items() if v is not None}


def _query(ids: IdentityArgs, ev: Evidence) -> PreparedRecord:
    record: dict[str, Any] = {
        "id": None,
        "full_name": ev.name,
        "email": ids.email,
        "phone": ids.phone,
        "city": ev.city,
        "postcode": ev.postcode,
        "region": ev.region,
        "birthday": None if ev.birthday is None else ev.birthday.isoformat(),
    }
    if ids.handle:
        record[ids.handle[0]] = ids.handle[1]
    return prepare({k: v for k, v in record.items() if v is not None})


def _exact(uow: UnitOfWork, ids: IdentityArgs) -> list[Candidate]:
    found: dict[str, tuple[Contact, list[str]]] = {}
    for label, key in ids.lookup_keys():
        for owner in uow.contacts.find_by_identity(key):
            found.setdefault(owner.id, (owner, []))[1].append(f"{label} equal")
    return sorted(
        (Candidate(c, 1.0, tuple(r)) for c, r in found.values()),
        key=lambda cand: (-len(cand.reasons), cand.contact.created_at, cand.contact.id),
    )


def _fuzzy(
    uow: UnitOfWork, query: PreparedRecord, policy: MatchPolicy, exclude: Sequence[str] = ()
) -> list[ScoredContact]:
    return _fuzzy_in(uow.contacts, query, policy, exclude)


def _fuzzy_in(
    contacts: Any, query: PreparedRecord, policy: MatchPolicy, exclude: Sequence[str] = ()
) -> list[ScoredContact]:
    ranked = _ranked_in(contacts, query, policy, exclude)
    return [r.explained(policy.model) for r in ranked]


def _ranked_in(
    contacts: Any,
    query: PreparedRecord,
    policy: MatchPolicy,
    exclude: Sequence[str] = (),
    keys: Mapping[str, int] | None = None,
) -> list[RankedContact]:
    """The best ``policy.limit`` candidates for *query*, unexplained."""
    if query.is_empty:
        return []
    holders = contacts.match_key_holders(query_keys(query) if keys is None else keys)
    ids = {cid for held in holders.values() for cid in held} - set(exclude)
    if not ids:
        return []
    # A backend may serve the folded forms it keeps (the memory one does); others fold.
    forms = prepared_forms_of(contacts)
    ranked = rank_contacts(
        query,
        contacts.find_many(ids),
        model=policy.model,
        min_score=CANDIDATE_FLOOR,
        forms=forms,
    )
    return ranked[: policy.limit]


def _confident(scored: Sequence[ScoredContact], threshold: float) -> ScoredContact | None:
    """The best candidate if it is sure, backed by more than a name, and alone above the
    threshold (two sure candidates mean the evidence cannot tell them apart)."""
    if not scored or scored[0].score < threshold or not scored[0].corroborated:
        return None
    if len(scored) > 1 and scored[1].score >= threshold:
        return None
    return scored[0]


def _candidates(scored: Sequence[ScoredContact]) -> tuple[Candidate, ...]:
    return tuple(Candidate(s.contact, s.score, s.reasons) for s in scored)


def resolve_in(
    uow: UnitOfWork, ids: IdentityArgs, ev: Evidence, policy: MatchPolicy, threshold: float
) -> Resolution:
    """The read-only answer of :meth:`crmkit.CRM.resolve` inside *uow*."""
    exact = _exact(uow, ids)
    if len(exact) > 1:
        return Resolution(None, 0.0, (), tuple(exact))
    if exact and ev.name is None:
        best = exact[0]
        return Resolution(best.contact, best.score, best.reasons, tuple(exact))
    # The fuzzy path runs only when the identities are unknown, or a name asks for more.
    scored = _fuzzy(uow, _query(ids, ev), policy, exclude=[c.contact.id for c in exact])
    if exact:
        best = exact[0]
        return Resolution(best.contact, best.score, best.reasons, (*exact, *_candidates(scored)))
    sure = _confident(scored, threshold)
    if sure is None:
        return Resolution(None, 0.0, (), _candidates(scored))
    return Resolution(sure.contact, sure.score, sure.reasons, _candidates(scored))


@attrs.frozen
class Resolved:
    """Where ``record()`` puts a touchpoint: the contact (``is_new``: to be added), the
    identities it may take, and a review item to file with it."""

    contact: Contact
    is_new: bool
    attach: IdentityArgs
    review: ReviewItem | None = None


def resolve_or_create(
    uow: UnitOfWork,
    ids: IdentityArgs,
    ev: Evidence,
    policy: MatchPolicy,
    now: datetime,
    channel: str,
) -> Resolved:
    """The contact a touchpoint on *channel* belongs to. Reads only; the caller adds the
    new contact first, then the review item (it names the contact)."""
    exact = _exact(uow, ids)
    if len(exact) > 1:
        # The identities name different people (or a shared line): never merge, never lose
        # the touchpoint; a person decides (crmkit._api.identity._owners).
        query = _query(ids, ev)
        contact, attach, item = choose_owner(uow, exact, ids, channel, query, policy.model, now)
        return Resolved(contact, False, attach, item)
    if exact:
        return Resolved(exact[0].contact, False, ids)
    ranked = _ranked_in(uow.contacts, _query(ids, ev), policy)
    scored = [r.explained(policy.model) for r in ranked]
    sure = _confident(scored, policy.match_threshold)
    if sure is not None:
        return Resolved(sure.contact, False, ids)
    contact = Contact.new(now=now, **ev.contact_fields(), **ids.contact_fields())
    return Resolved(contact, True, ids, _review_item(contact.id, ranked, policy, now))


def _review_item(
    contact_id: str, ranked: Sequence[RankedContact], policy: MatchPolicy, now: datetime
) -> ReviewItem | None:
    likely = [s for s in ranked if s.score >= policy.review_threshold]
    if not likely:
        return None
    return ReviewItem(
        id=new_id(),
        contact_id=contact_id,
        candidate_ids=tuple(s.contact.id for s in likely),
        score=likely[0].score,
        reasons=policy.model.explain(likely[0].vector),  # the best one's reasons only
        created_at=now,
    )


def review_new_contact(
    uow: UnitOfWork, contact: Contact, policy: MatchPolicy, now: datetime
) -> ReviewItem | None:
    """The review item for *contact*, just created (by an import, say), when another stored
    contact plausibly is the same person (``policy.review_threshold``); None otherwise.
    The caller adds the item in the same unit of work."""
    return review_in(uow.contacts, contact, policy, now)


def review_in(
    contacts: Any,
    contact: Contact,
    policy: MatchPolicy,
    now: datetime,
    keys: Mapping[str, int] | None = None,
) -> ReviewItem | None:
    """:func:`review_new_contact` against *contacts*: a contact repository, or what an
    import batch sees (the store plus the contacts the batch created so far), which needs
    ``match_key_holders``, ``find_many`` and, optionally, ``prepared_forms``. *keys* are
    ``query_keys`` of the contact's first form, when the caller has worked them out."""
    # Its forms were made (and kept) when its blocking keys were written: no folding again.
    # The form keeps the contact's id, which scoring never reads.
    query = prepared_forms_of(contacts)(contact)[0]
    ranked = _ranked_in(contacts, query, policy, exclude=[contact.id], keys=keys)
    return _review_item(contact.id, ranked, policy, now)
