"""Properties of fuzzy resolve: a name alone never decides, resolve never writes, and the
stored blocking keys give the same answers on every backend and after a rebuild."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import CRM
from crmkit.contacts import Contact
from crmkit.identity.resolution import Resolution
from crmkit.storage import MemoryStorage, SQLiteStorage
from crmkit.testing.strategies import contacts, names

_people = st.lists(contacts(), min_size=1, max_size=8)
_queries = st.fixed_dictionaries(
    {"name": names},
    optional={
        "city": st.sampled_from(["Tiranë", "Sofia", "София", "Kraków"]),
        "birthday": st.dates().map(lambda d: d.isoformat()),
        "phone": st.sampled_from(["+447887123456", "+44691234567", "+359878123456"]),
    },
)


def _load(crm: CRM, people: list[Contact]) -> list[Contact]:
    kept, taken = [], set()
    with crm.storage.unit_of_work(crm.workspace) as uow:
        for c in people:
            # Identities come from a small pool and collide: a later holder goes without.
            if c.identity_keys() & taken:
                c = attrs.evolve(c, emails=(), phones=(), handles={})
            taken |= c.identity_keys()
            uow.contacts.add(c)
            kept.append(c)
        uow.commit()
    return kept


def _answer(res: Resolution) -> tuple[object, ...]:
    return (
        None if res.contact is None else res.contact.id,
        [(c.contact.id, round(c.score, 9), c.reasons) for c in res.candidates],
    )


@settings(max_examples=40, deadline=None)
@given(people=_people, name=names)
def test_a_name_alone_never_sets_the_contact(people: list[Contact], name: str) -> None:
    crm = CRM()
    _load(crm, people)
    assert crm.resolve(name=name, threshold=0.01).contact is None


@settings(max_examples=30, deadline=None)
@given(people=_people, query=_queries)
def test_memory_and_sqlite_give_the_same_answer_and_write_nothing(
    people: list[Contact], query: dict[str, str]
) -> None:
    memory = CRM(default_region="AL")
    sqlite = CRM(storage=SQLiteStorage(":memory:"), default_region="AL")
    stored = _load(memory, people)
    _load(sqlite, people)
    answer = _answer(memory.resolve(**query))
    assert _answer(sqlite.resolve(**query)) == answer
    assert sorted(c.id for c in sqlite.contacts.all()) == sorted(c.id for c in stored)
    sqlite.rebuild_match_index()
    assert _answer(sqlite.resolve(**query)) == answer
    sqlite.close()


@settings(max_examples=30, deadline=None)
@given(people=_people, query=_queries)
def test_a_confident_answer_is_the_best_candidate(
    people: list[Contact], query: dict[str, str]
) -> None:
    crm = CRM(storage=MemoryStorage(), default_region="AL")
    _load(crm, people)
    res = crm.resolve(**query)
    scores = [c.score for c in res.candidates]
    assert scores == sorted(scores, reverse=True)
    if res.contact is not None:
        assert res.contact == res.candidates[0].contact
        assert res.score >= crm.match_policy.match_threshold
