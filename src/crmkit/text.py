"""Script-aware text folding for names in our five markets (AL, PH, BG, IR, PL).

Three levels, each built on the one before:

* :func:`fold` - for comparing any text (segments use it): NFKC, case folding, diacritics
  removed (``ł`` becomes ``l``), Arabic letter variants unified to Persian, vowel marks,
  tatweel and zero-width joiners dropped, every decimal digit made ASCII.
* :func:`latinize` - :func:`fold`, then Cyrillic (Bulgarian streamlined system) and Persian
  (rough, for matching only) written in Latin letters.
* :func:`match_form` and :func:`phonetic_key` - spelling variants collapsed (``zh``/``j``,
  ``kh``/``h``, ``ts``/``c``, ``y``/``i``, ``gh``/``q``, doubled letters), so "Христо Стоянов",
  "Hristo Stoyanov" and "Khristo Stojanov" meet; the phonetic key keeps only consonants, which
  is what a Persian spelling and its romanisations share.

:class:`Nicknames` maps pet names to given names (Gosia to Małgorzata, Митко to Димитър);
extend it with :meth:`Nicknames.extended`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

import attrs

__all__ = [
    "DEFAULT_NICKNAMES",
    "Nicknames",
    "fold",
    "latinize",
    "match_form",
    "name_tokens",
    "phonetic_key",
]

# Letters that NFKD does not decompose into base + mark.
_SPECIAL = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})
# Arabic code points Persian writers get from Arabic keyboards, unified to the Persian ones.
_ARABIC_TO_PERSIAN = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,
        "\u200c": None,
        "\u200d": None,
        "\u200f": None,
        "\u200e": None,
    }
)
_PUNCT_RE = re.compile(r"[^\w]+|_")

_CYRILLIC = dict(
    zip(
        "абвгдежзийклмнопрстуфхцчшщъьюяэыёєіїґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "h",
            "ts",
            "ch",
            "sh",
            "sht",
            "a",
            "y",
            "yu",
            "ya",
            "e",
            "y",
            "yo",
            "ye",
            "i",
            "yi",
            "g",
        ],
        strict=True,
    )
)
# Rough Persian romanisation; short vowels are not written in the script, which is why
# matching leans on phonetic_key for Persian names.
_PERSIAN = {
    "ا": "a",
    "آ": "a",
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ث": "s",
    "ج": "j",
    "چ": "ch",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "z",
    "ر": "r",
    "ز": "z",
    "ژ": "zh",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "z",
    "ط": "t",
    "ظ": "z",
    "ع": "",
    "غ": "gh",
    "ف": "f",
    "ق": "gh",
    "ک": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "و": "u",
    "ه": "h",
    "ی": "i",
    "ء": "",
}
_TRANSLIT = str.maketrans({**_CYRILLIC, **_PERSIAN})
# Persian ه after a letter written z, k, g or p would make a Latin digraph (zh, kh, gh, ph)
# that the variants below read as one sound: "زهرا" must read "zahra", not "zhra" (= "jra").
# The short vowel the script leaves out is written in its place.
_PERSIAN_H_RE = re.compile("(?<=[زذضظکگپ])ه")

# Variant spellings, collapsed in this order (longest first) to one canonical spelling.
_VARIANTS = (
    ("sht", "st"),
    ("sch", "s"),
    ("zh", "j"),
    ("kh", "h"),
    ("gh", "q"),
    ("ts", "c"),
    ("tz", "c"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ey", "ei"),
    ("ay", "ei"),
    ("ai", "ei"),
    ("w", "v"),
    ("x", "ks"),
    ("y", "i"),
    ("j", "i"),
)
_DOUBLE_RE = re.compile(r"(.)\1+")
_VOWELS_RE = re.compile(r"[aeiouh]")


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold *text* for comparison across case, accents, Arabic/Persian variants and digits.

    >>> fold("  Małgorzata  WÓJCIK ")
    'malgorzata wojcik'
    >>> fold("Ëndrit Çela")
    'endrit cela'
    >>> fold("علي كاظمي") == fold("علی کاظمی")
    True
    >>> fold("۰۹۱۲")
    '0912'
    """
    if text.isascii():  # ASCII is its own NFKC form and has no marks: the common fast path
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text).casefold().translate(_ARABIC_TO_PERSIAN)
    text = text.translate(_SPECIAL)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        # Marks are dropped except the Cyrillic breve of й, which is a letter of its own.
        text = "".join(
            ch
            for i, ch in enumerate(decomposed)
            if not unicodedata.combining(ch) or (ch == "\u0306" and i and decomposed[i - 1] in "иИ")
        )
        text = unicodedata.normalize("NFC", text)
        text = "".join(
            str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch
            for ch in text
        )
    return " ".join(text.split())


@functools.lru_cache(maxsize=65536)
def latinize(text: str) -> str:
    """:func:`fold`, then Cyrillic and Persian letters written in Latin ones.

    >>> latinize("Христо Стоянов")
    'hristo stoyanov'
    >>> latinize("Щерев Жеков")
    'shterev zhekov'
    >>> latinize("زهرا"), latinize("مهدی")
    ('zahra', 'mhdi')
    """
    folded = fold(text)
    if folded.isascii():
        return folded
    return _PERSIAN_H_RE.sub("اه", folded).translate(_TRANSLIT)


@functools.lru_cache(maxsize=65536)
def match_form(text: str) -> str:
    """The spelling under which variants of one name meet; letters and single spaces only.

    >>> match_form("Христо Стоянов") == match_form("Hristo Stoyanov")
    True
    >>> match_form("Khristo Stojanov") == match_form("Hristo Stoyanov")
    True
    >>> match_form("Zhivko") == match_form("Jivko")
    True
    >>> match_form("Tsvetelina") == match_form("Cvetelina")
    True
    >>> match_form("Ghasemi") == match_form("Qasemi")
    True
    >>> match_form("Пешшо"), match_form("زهرا") == match_form("Zahra")
    ('pesho', True)
    """
    # Doubled letters collapse before transliteration too: a doubled "ш" would otherwise
    # become "shsh", which no collapsing of Latin letters undoes.
    text = _DOUBLE_RE.sub(r"\1", text) if not text.isascii() else text
    return " ".join(map(_match_word, _PUNCT_RE.sub(" ", latinize(text)).split()))


# Words repeat far more than whole texts do ("Hristo Stoyanov", "Hristo Petrov"), so a full
# name seen for the first time is mostly made of words already spelled out.
@functools.lru_cache(maxsize=65536)
def _match_word(word: str) -> str:
    for old, new in _VARIANTS:
        if old in word:
            word = word.replace(old, new)
    return _DOUBLE_RE.sub(r"\1", word)


@functools.lru_cache(maxsize=65536)
def phonetic_key(text: str) -> str:
    """A coarse consonant skeleton of a name, the same in Persian script and in its
    romanisations; for blocking (finding candidates), never for deciding.

    >>> phonetic_key("محمد") == phonetic_key("Mohammad") == phonetic_key("Muhammad")
    True
    >>> phonetic_key("حسین") == phonetic_key("Hossein")
    True
    >>> phonetic_key("Димитър") == phonetic_key("Dimitar")
    True
    """
    out = []
    for word in match_form(text).split():
        skeleton = _DOUBLE_RE.sub(r"\1", _VOWELS_RE.sub("", word))
        out.append(skeleton or word[:1])
    return " ".join(out)


def name_tokens(text: str) -> tuple[str, ...]:
    """The words of a name in :func:`match_form`.

    >>> name_tokens("Dela Cruz, Maria")
    ('dela', 'cruz', 'maria')
    """
    return tuple(match_form(text).split())


# canonical given name: its pet forms (any script; matched through match_form).
_NICKNAME_DATA: dict[str, str] = {
    "Małgorzata": "Gosia Małgosia Gośka",
    "Katarzyna": "Kasia Kaśka Kasieńka",
    "Krzysztof": "Krzysiek Krzyś",
    "Wojciech": "Wojtek",
    "Agnieszka": "Aga Agusia",
    "Tomasz": "Tomek",
    "Łukasz": "Łukaszek",
    "Michał": "Michałek Misiek",
    "Aleksandra": "Ola Olka",
    "Aleksander": "Olek",
    "Bartłomiej": "Bartek",
    "Grzegorz": "Grzesiek",
    "Paweł": "Pawełek",
    "Magdalena": "Magda",
    "Joanna": "Asia",
    "Elżbieta": "Ela",
    "Dariusz": "Darek",
    "Jacek": "Jacuś",
    "Zbigniew": "Zbyszek",
    "Sławomir": "Sławek",
    "Urszula": "Ula",
    "Jędrzej": "Jędrek",
    "Maria": "Mia Ria Maja Marysia",
    "Jose": "Joey Pepe",
    "Cristina": "Tina",
    "Mark Anthony": "Mark MA",
    "Ferdinand": "Ferdie Ferdi",
    "Lourdes": "Lulu",
    "Josefina": "Josie Pina",
    "Rosalinda": "Linda Rose",
    "Emmanuel": "Emman Noel",
    "Corazon": "Cory Cora",
    "Teodoro": "Teddy",
    "Bienvenido": "Benny",
    "Edgardo": "Edgar Egay",
    "Virgilio": "Jun Bhoy",
    "Иван": "Ваньо Ванчо",
    "Георги": "Гошо Жоро",
    "Димитър": "Митко Мите Димо",
    "Николай": "Ники Кольо",
    "Петър": "Пешо Петьо",
    "Христо": "Ицо Ико",
    "Цветелина": "Цвети",
    "Десислава": "Деси",
    "Александър": "Сашо Алекс",
    "Радостина": "Ради",
    "Любомир": "Любо",
    "Йордан": "Данчо",
    "Светлана": "Светла Цеца",
    "Красимира": "Краси",
    "Стоян": "Стоянчо",
    "Gentian": "Genti",
    "Klodian": "Klodi",
    "Rezarta": "Rezi",
    "Xhesika": "Xhesi",
    "Ermal": "Ema",
    "Blerina": "Bleri",
    "Fatjona": "Foni",
    "Enkeleda": "Keda",
    "Florian": "Flori",
    "Gjergj": "Gjergji",
    "محمد": "ممد Mamad",
    "فاطمه": "فاطی Fati",
    "مریم": "مری",
    "علی": "علی‌جان",
}


@attrs.frozen
class Nicknames:
    """A pet-name table: pet name -> given name, both in :func:`match_form`.

    >>> nick = DEFAULT_NICKNAMES
    >>> nick.canonical("Gosia") == nick.canonical("Małgorzata")
    True
    >>> nick.canonical("Митко") == nick.canonical("Dimitar")
    True
    >>> mine = nick.extended({"Robert": ["Bob", "Bobby"]})
    >>> mine.canonical("Bobby")
    'robert'
    """

    table: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def from_groups(cls, groups: Mapping[str, Iterable[str]]) -> Nicknames:
        """Build from ``{given name: [pet names]}`` in any script."""
        table: dict[str, str] = {}
        for given, pets in groups.items():
            canonical = match_form(given)
            for pet in pets:
                key = match_form(pet)
                if key and key != canonical:
                    table[key] = canonical
        return cls(table)

    def extended(self, groups: Mapping[str, Iterable[str]]) -> Nicknames:
        """A new table with *groups* (``{given name: [pet names]}``) added on top."""
        return Nicknames({**self.table, **Nicknames.from_groups(groups).table})

    def canonical(self, name: str) -> str:
        """The given name behind *name*, in :func:`match_form` (itself if not a pet name)."""
        key = match_form(name)
        return self.table.get(key, key)


DEFAULT_NICKNAMES = Nicknames.from_groups(
    {given: pets.split() for given, pets in _NICKNAME_DATA.items()}
)
