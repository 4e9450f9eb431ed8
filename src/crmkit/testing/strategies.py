"""Hypothesis strategies for crmkit values, reusable by anyone testing code on top of crmkit."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from crmkit.contacts import Contact
from crmkit.interactions import Interaction

__all__ = ["aware_datetimes", "contacts", "interactions", "names"]

# Names from our five markets, with the scripts and marks that break naive code.
names = st.sampled_from(
    [
        "Besa Kola",
        "Ëngjëll Çela",
        "Małgorzata Wąsik",
        "Христо Стоянов",
        "Juan dela Cruz",
        "محمد رضایی",
        "Zoë O'Neil",
        "  spaced   out  ",
    ]
)

aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)

_emails = st.sampled_from(["besa@example.al", "ivan@пример.бг", "ana@firma.pl", "x.y@ph.ph"])
_phones = st.sampled_from(["+355691234567", "+359878123456", "+48601234567", "+989123456789"])
_handles = st.sampled_from(["besa.kola", "hristo_s", "gosia", "juan.dc"])


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    """Valid contacts whose identities come from a small pool, so conflicts happen."""
    return Contact.new(
        name=draw(names),
        emails=draw(st.lists(_emails, max_size=2, unique=True)),
        phones=draw(st.lists(_phones, max_size=2, unique=True)),
        handles=draw(
            st.dictionaries(st.sampled_from(["instagram", "telegram"]), _handles, max_size=2)
        ),
        city=draw(st.sampled_from([None, "Tiranë", "София", "Kraków", "تهران"])),
        birthday=draw(st.none() | st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 1, 1))),
        tags=draw(st.frozensets(st.sampled_from(["vip", "b2b", "lead"]), max_size=3)),
        custom=draw(
            st.dictionaries(
                st.sampled_from(["vat", "score", "note"]),
                st.none()
                | st.booleans()
                | st.integers(-5, 5)
                | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=5),
                max_size=2,
            )
        ),
        now=draw(aware_datetimes),
    )


def interactions(contact_id: str) -> st.SearchStrategy[Interaction]:
    """Valid interactions of one contact; timestamps collide often to exercise tie order."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return st.builds(
        lambda ch, d, minutes, handled: Interaction.new(
            contact_id=contact_id,
            channel=ch,
            direction=d,
            occurred_at=base + timedelta(minutes=minutes),
            handled_by=handled,
            summary="s",
        ),
        st.sampled_from(["phone", "instagram", "email"]),
        st.sampled_from(["inbound", "outbound"]),
        st.integers(0, 5),
        st.sampled_from([None, "arta", "mira"]),
    )
