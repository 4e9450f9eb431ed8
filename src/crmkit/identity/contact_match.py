"""The identity engine applied to stored contacts: the blocking keys a storage backend files
each contact under, and the scoring of the contacts those keys bring back.

Storage keeps :func:`match_keys` of every contact in the same transaction as the contact
itself, so candidate look-ups stay correct however many processes write the database. The
keys and the prepared forms are pure functions of a contact's matching fields, which is why
both can be cached in any process by content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from crmkit.contacts import Contact
from crmkit.identity.blocking import IDENTITY_PREFIXES, block_keys
from crmkit.identity.features import FEATURES, compare_records, strangers_by_name
from crmkit.identity.model import MatchModel, Vector
from crmkit.identity.prepare import PreparedRecord, prepare

__all__ = [
    "CORROBORATION_BITS",
    "MAX_BLOCK",
    "MAX_FUZZY_BLOCK",
    "RankedContact",
    "ScoredContact",
    "contact_record",
    "fold_contact",
    "forget_forms",
    "key_limit",
    "keys_of_forms",
    "match_keys",
    "prepared_forms",
    "query_keys",
    "rank_contacts",
    "same_match_fields",
    "score_contacts",
]

# Keys held by more contacts than this cannot single a person out (a call centre's number,
# "info@" mailboxes, a common name): they are skipped at look-up, as Matcher's blocking does.
MAX_BLOCK = 100
MAX_FUZZY_BLOCK = 12
# Evidence beyond the names (in bits) a fuzzy match needs before it may be called confident:
# a shared name, in any script, never identifies a person by itself.
CORROBORATION_BITS = 8.0
# Keys not stored per contact. Exact identities live in the storage's identity index already;
# the exact path finds them. A city with a family name brings back a town's whole family,
# whose other given names the first-name check then drops: worth it for a batch, not for a
# look-up on every touchpoint.
_NOT_STORED = ("p:", "e:", "h:", "x:", "cl:")
_NAME_FEATURES = frozenset(FEATURES.index(f) for f in ("first name", "last name", "email/handle"))

# A contact's fields that matching reads; anything else (tags, owner, ...) changes no key.
_MatchFields = tuple[Any, ...]


def _match_fields(contact: Contact) -> _MatchFields:
    memo = contact._derived
    found: _MatchFields | None = memo.get("match_fields")
    if found is None:
        found = memo["match_fields"] = _read_match_fields(contact)
    return found


def _read_match_fields(contact: Contact) -> _MatchFields:
    return (
        contact.name,
        contact.given_name,
        contact.family_name,
        contact.emails,
        contact.phones,
        tuple(sorted(contact.handles.items())),
        contact.region,
        contact.city,
        contact.postcode,
        contact.address,
        contact.birthday,
    )


def contact_record(
    contact: Contact, *, email: str | None = None, phone: str | None = None
) -> dict[str, Any]:
    """A contact in the record form the identity engine reads (its first email and phone,
    unless one is given).

    >>> contact_record(Contact.new(id="c1", name="Besa Kola", city="Tiranë"))
    {'id': 'c1', 'full_name': 'Besa Kola', 'city': 'Tiranë'}
    """
    record: dict[str, Any] = {
        "id": contact.id,
        "full_name": contact.name,
        "first_name": contact.given_name,
        "last_name": contact.family_name,
        "email": email or (contact.emails[0] if contact.emails else None),
        "phone": phone or (contact.phones[0] if contact.phones else None),
        "region": contact.region,
        "city": contact.city,
        "postcode": contact.postcode,
        "address": contact.address,
        "birthday": None if contact.birthday is None else contact.birthday.isoformat(),
    }
    record.update(contact.handles)
    return {k: v for k, v in record.items() if v is not None}


def prepared_forms(contact: Contact) -> tuple[PreparedRecord, ...]:
    """The contact folded for matching: one form per email and phone it holds (the first
    form carries the first of each), so a second number still meets its partial match.

    Cached by content: a contact's forms depend only on its matching fields, so a cached
    answer is never stale, whichever process changed the contact.
    """
    memo = contact._derived
    found: tuple[PreparedRecord, ...] | None = memo.get("forms")
    if found is not None:
        return found
    key = (contact.id, _match_fields(contact))
    found = _FORMS.get(key)
    if found is None:
        if len(_FORMS) >= _FORMS_LIMIT:
            _FORMS.clear()  # dropping entries only makes the next look-ups slower
        found = _FORMS[key] = fold_contact(contact)
    memo["forms"] = found
    return found


def forget_forms(contacts: Iterable[Contact]) -> None:
    """Drop the cached forms of contacts that were folded but will never be stored (an
    import folds the contact each row would create, to read its candidates up front; rows
    that update someone instead would otherwise crowd the cache and have it cleared)."""
    for contact in contacts:
        _FORMS.pop((contact.id, _match_fields(contact)), None)


def fold_contact(contact: Contact) -> tuple[PreparedRecord, ...]:
    """:func:`prepared_forms` without the cache (for a backend that keeps its own)."""
    forms = [prepare(contact_record(contact))]
    forms.extend(prepare(contact_record(contact, phone=p)) for p in contact.phones[1:])
    forms.extend(prepare(contact_record(contact, email=e)) for e in contact.emails[1:])
    return tuple(forms)


_FORMS: dict[tuple[str, _MatchFields], tuple[PreparedRecord, ...]] = {}
# About 1.1 KB an entry, so up to ~110 MB. Scoring reads the forms of candidates anywhere in
# the data: once the cache clears they are folded again, which cost an import of 100,000 rows
# 12 % of its CPU with room for 50,000 (88.5 against 77.9 s).
_FORMS_LIMIT = 100_000
# Keys of recently written contacts: an update diffs the old version's keys against the new,
# and a batched import files a contact's keys when it is made and again when the batch is
# written, 5000 contacts later (with room for 4096 they were worked out twice).
_KEYS: dict[_MatchFields, frozenset[str]] = {}
_KEYS_LIMIT = 16_384


def match_keys(contact: Contact) -> frozenset[str]:
    """The blocking keys a backend files *contact* under (exact identities excluded: the
    identity index holds those).

    >>> sorted(match_keys(Contact.new(name="Besa Kola", phones=["+355691234567"])))
    ['n:bs|kl', 'n:kl|bs', 'p8:91234567']
    """
    memo = contact._derived
    found: frozenset[str] | None = memo.get("match_keys")
    if found is not None:
        return found
    fields = _match_fields(contact)
    found = _KEYS.get(fields)
    if found is None:
        # Through the forms' cache: a contact just written is often scored next (an import
        # reviews each contact it creates), and folding is most of the cost of both.
        found = keys_of_forms(prepared_forms(contact))
        if len(_KEYS) >= _KEYS_LIMIT:
            _KEYS.clear()
        _KEYS[fields] = found
    memo["match_keys"] = found
    return found


def keys_of_forms(forms: Iterable[PreparedRecord]) -> frozenset[str]:
    """The blocking keys of a contact's folded forms (see :func:`match_keys`)."""
    keys = {k for form in forms for k in block_keys(form)}
    # A key over 256 characters never singles a person out, and PostgreSQL cannot index it.
    return frozenset(k for k in keys if not k.startswith(_NOT_STORED) and len(k) <= 256)


def same_match_fields(a: Contact, b: Contact) -> bool:
    """True when *a* and *b* have the same keys because matching reads nothing that differs."""
    return _match_fields(a) == _match_fields(b)


def key_limit(key: str) -> int:
    """How many holders a key may have before it is too common to look up."""
    return MAX_BLOCK if key[:2] in IDENTITY_PREFIXES else MAX_FUZZY_BLOCK


def query_keys(query: PreparedRecord) -> dict[str, int]:
    """The keys to look up for a query record, with their holder limits."""
    return {k: key_limit(k) for k in block_keys(query) if not k.startswith(_NOT_STORED)}


@attrs.frozen
class ScoredContact:
    """A stored contact scored against a query: probability, explanation, and whether
    evidence other than the name backs it (only then may it be called confident)."""

    contact: Contact
    score: float
    reasons: tuple[str, ...]
    corroborated: bool


def _judge(
    query: PreparedRecord, form: PreparedRecord, model: MatchModel
) -> tuple[float, Vector] | None:
    vector = compare_records(query, form)
    # Two different first names are two people (a family line), unless a birthday agrees.
    if strangers_by_name(vector):
        return None
    return model.probability(vector), vector


@attrs.frozen
class RankedContact:
    """A stored contact scored against a query, not yet explained: most candidates never
    need their reasons (an import's review of a new contact explains its best one only)."""

    contact: Contact
    score: float
    vector: Vector

    def explained(self, model: MatchModel) -> ScoredContact:
        """The :class:`ScoredContact` that :func:`score_contacts` gives (same *model*)."""
        rest = tuple(0 if f in _NAME_FEATURES else level for f, level in enumerate(self.vector))
        corroborated = model.bits(rest) >= CORROBORATION_BITS
        return ScoredContact(self.contact, self.score, model.explain(self.vector), corroborated)


def score_contacts(
    query: Mapping[str, Any] | PreparedRecord,
    contacts: Iterable[Contact],
    *,
    model: MatchModel | None = None,
    min_score: float = 0.01,
    forms: Callable[[Contact], tuple[PreparedRecord, ...]] = prepared_forms,
) -> list[ScoredContact]:
    """Score *contacts* against *query* (a record mapping, or prepared), best first; pairs
    with different first names and scores under *min_score* are left out. *forms* folds a
    contact (default :func:`prepared_forms`; a backend holding them already can serve them).

    >>> a = Contact.new(id="a", name="Hristo Stoyanov", city="Sofia", birthday="1985-03-02")
    >>> b = Contact.new(id="b", name="Maria Stoyanova", city="Sofia")
    >>> query = {"full_name": "Христо Стоянов", "city": "София", "birthday": "1985-03-02"}
    >>> [(s.contact.id, s.score > 0.97, s.corroborated) for s in score_contacts(query, [a, b])]
    [('a', True, True)]
    """
    model = model or _DEFAULT_MODEL
    ranked = rank_contacts(query, contacts, model=model, min_score=min_score, forms=forms)
    return [r.explained(model) for r in ranked]


def rank_contacts(
    query: Mapping[str, Any] | PreparedRecord,
    contacts: Iterable[Contact],
    *,
    model: MatchModel | None = None,
    min_score: float = 0.01,
    forms: Callable[[Contact], tuple[PreparedRecord, ...]] = prepared_forms,
) -> list[RankedContact]:
    """:func:`score_contacts` without the explanations, in the same order."""
    model = model or _DEFAULT_MODEL
    prepared = query if isinstance(query, PreparedRecord) else prepare({**query, "id": None})
    out = []
    for contact in contacts:
        best = None
        for form in forms(contact):
            judged = _judge(prepared, form, model)
            if judged is not None and (best is None or judged[0] > best[0]):
                best = judged
        if best is not None and best[0] >= min_score:
            out.append(RankedContact(contact, *best))
    out.sort(key=lambda s: (-s.score, s.contact.created_at, s.contact.id))
    return out


_DEFAULT_MODEL = MatchModel.default()
