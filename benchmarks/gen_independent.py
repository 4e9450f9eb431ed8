"""An independent generator of cross-channel contact records, for evaluation only (issue #12).

Written apart from ``gen_contacts.py`` on purpose: it shares neither its code nor its habits
(one record per source per person, mailboxes and handles built from the name), so figures tuned
on the dev set can be checked on records shaped by other assumptions.

Usage:
    python benchmarks/gen_independent.py --n 100000 --seed 1 --out independent.csv

or ``from gen_independent import generate; rows = generate(100_000, seed=1)``. The same seed
gives the same rows. Needs Faker (the ``bench`` extra) for its name lists and company names.

Columns: record_id, entity_id, source, first_name, last_name, full_name, email, phone, region,
instagram, city, company, birthday (all text, empty when missing). Records of one entity_id are
one person; the rows are shuffled.

People
    Market (AL .20, PH .25, BG .20, IR .15, PL .20). Given names and surnames are drawn with
    Zipf-Mandelbrot weights (1/(rank + 8)) over a ranked list per market and sex: a hand-written
    head of the names that really are common, then Faker's lists (bg_BG, pl_PL, fa_IR; ``en``
    given names for PH, where Faker has no Filipino person provider; surnames for PH and all
    Albanian names are written here). Common names therefore recur: namesakes are different
    people with the same name and different identifiers (at 100,000 records about 37 % of the
    people shown with a full name share it with someone: AL 61 %, PH 39 %, IR 38 %, PL 25 %,
    BG 22 %; Albanian lists are short). Bulgarian and Polish surnames take the feminine form.
    Households (4 % of people seed one) are 2-3 people of one surname and city who share a
    landline (60 %) or one inbox (40 %); no other identifier is shared by two people.

Identifiers
    Phones: 0 (15 %), 1 (60 %) or 2 (25 %) mobiles per person, in the market's real mobile
    ranges, written in one of six international or local styles with spaces, dashes, a 00
    prefix or none; Iranian numbers in Persian digits in 30 % of the records showing one.
    Mailboxes: 0 (12 %), 1 (58 %) or 2 (30 %); personal ones at local providers with local parts
    from names only 30 % of the time (otherwise nicknames, words, digits, a birth year); people
    with a company (35 %) get a work mailbox (name@company-domain) half of the time.
    Instagram handles: 0 (45 %), 1 (50 %), 2 (5 %), from words and digits, rarely the name.

Records
    1 + geometric(0.5) records per person, capped at 12 (half are singletons, 6 % have 5+);
    sources drawn with replacement from the person's own channel preferences (webform, email,
    phone, instagram, visit, facebook), so a form filled twice or two calls happen. Each source
    shows its own subset (see ``_SHOW``). A shown name is perturbed independently per record:
    Bulgarian romanised in 20 % of records (45 % on email, instagram, facebook) with one of four
    schemes (Hristo/Khristo, Stoyanov/Stojanov/Stoianov); Persian romanised in 15 % (40 % there)
    when the name has a known romanisation; given name only (source-dependent); nickname 12 %
    (25 % on social sources); initial and surname 5 %; one-letter typo 4 % (8 % at visits);
    diacritics dropped in 35 % of Latin-script names; Arabic ي/ك code points in 25 % of Persian
    script names; compound Persian names joined, spaced or split by ZWNJ; upper case 4 %, lower
    case 8 %; surname first 3 %. Region is blank in 15 % of records. City spellings vary
    (Tiranë/Tirana, Kraków/Krakow, София/Sofia).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

__all__ = ["COLUMNS", "generate"]

COLUMNS = (
    "record_id",
    "entity_id",
    "source",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "region",
    "instagram",
    "city",
    "company",
    "birthday",
)
MARKETS = {"AL": 0.20, "PH": 0.25, "BG": 0.20, "IR": 0.15, "PL": 0.20}
ZIPF_S = 1.0
ZIPF_Q = 8  # Zipf-Mandelbrot offset: the head is common, not overwhelming
SOCIAL = frozenset({"email", "instagram", "facebook"})


def _words(text: str) -> list[str]:
    return text.split()


# --- name lists ------------------------------------------------------------------------------
# Albanian: written here, roughly in order of frequency among adults.
AL_MALE = _words("""
Arben Artan Ardian Altin Agron Bledar Besnik Dritan Ervin Elton Erion Fatmir Gazmend
Genti Ilir Klodian Kristi Luan Marjan Mirel Nikolla Olsi Petrit Redi Sokol Taulant Valon Ylli
Xhevdet Endri Enea Aldo Alban Arlind Besart Blerim Dorian Edmond Fation Florian Gjergj Hekuran
Igli Jetmir Kledi Lorenc Mario Mergim Orges Qemal Rinor Sabri Saimir Skënder Tomor Urim Vasil
Xhoni Ylber Zef Andi Klajdi""")
AL_FEMALE = _words("""
Anila Arjana Blerta Brunilda Dorina Denisa Eda Elda Elona Enkelejda Entela Erisa
Esmeralda Fjorela Flutura Gentiana Hana Ina Irena Jonida Klea Kejsi Lindita Lirie Majlinda
Manjola Marsela Mimoza Nertila Oriana Pranvera Rovena Sara Sidorela Shpresa Silva Teuta
Valentina Vjollca Xhensila Zamira Alketa Besiana Bora Dafina Drita Evis Fatbardha Greta Jetmira
Kaltrina Lediana Migena Nora Olta Rudina Suela Tea Vilma Ardita""")
AL_SURNAMES = _words("""
Hoxha Shehu Dervishi Hysa Leka Marku Gjoni Prifti Kola Çela Lika Basha Brahimi
Mema Bregu Kurti Halili Muka Ndreu Spahiu Hasani Kristo Bajraktari Luli Zeqiri Koçi Gjika Hallani
Tafa Rexhepi Vasili Mustafa Qosja Jashari Dushku Pjetri Sula Troshani Kapo Nika Mucaj Allko
Cenaj Dibra Xhelili Murati Hajdari Shkreli Bushi Kastrati Ruci Pepa Stafa Tahiri Idrizi Beqiri
Koleci Zhupa Dano Fejzo Kelmendi Berisha Tola Alimadhi Bardhi Bici Cami Dema Doda Gjini Kaçi
Kasa Lala Laçi Marko Mehmeti Meta Mirashi Nuri Osmani Petani Qerimi Rama Rusi Selimi Shala Sinani
Tanushi Toska Veizi Vrioni Xhaferi Zaimi Bego Cara Deda Hysi""")
PH_MALE_HEAD = _words("""
Jose Juan Mark Michael John Paul Christian Joshua Ryan Carlo Rodrigo Ramon
Jericho Francisco Roberto Antonio Jesus Angelo Reynaldo Eduardo Danilo Rolando""")
PH_FEMALE_HEAD = _words("""
Maria Mary Grace Kristine Jennifer Angelica Jessa Rhea Lovely Princess Joy
Marites Rowena Cristina Liza Maricar Jonalyn Camille Charmaine Rosario Divina""")
PH_SURNAMES = [
    name.replace("_", " ")
    for name in _words("""
Santos Reyes Cruz Bautista Garcia Mendoza Torres Flores Gonzales Ramos Aquino
Castillo Villanueva Rivera Fernandez Lopez Perez Dela_Cruz De_Guzman Del_Rosario De_los_Santos
Soriano Navarro Tolentino Pascual Dizon Salazar Manalo Morales Domingo Diaz Aguilar Valdez Castro
Marquez Mercado Gutierrez Hernandez Robles Alvarez Jimenez Panganiban Mangubat Macapagal
Lacsamana Dimaculangan Manalastas Magbanua Sarmiento Estrada Ocampo Cabrera Francisco Agustin
Samonte Lim Tan Go Sy Chua Ong Yap Villareal Serrano Buenaventura Evangelista Bernardo Santiago
Padilla Cortez Salvador""")
]
BG_MALE_HEAD = _words("""
Георги Иван Димитър Николай Петър Христо Тодор Стефан Йордан Васил Александър
Стоян Атанас Красимир Пламен Мартин Милен Борислав""")
BG_FEMALE_HEAD = _words("""
Мария Иванка Елена Йорданка Пенка Виктория Даниела Десислава Гергана Петя
Надежда Цветелина Снежана Радка Николина Теодора Силвия""")
BG_SURNAME_HEAD = _words("""
Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев
Атанасов Петков Ангелов Колев Йорданов Маринов Стефанов Попов Михайлов Кръстев Костов Димов
Павлов Найденов""")
PL_MALE_HEAD = _words("""
Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Stanisław Jakub Adam
Marek Łukasz Grzegorz Mateusz Wojciech Mariusz Dariusz Zbigniew""")
PL_FEMALE_HEAD = _words("""
Anna Katarzyna Maria Małgorzata Agnieszka Barbara Ewa Krystyna Magdalena
Joanna Aleksandra Monika Zofia Elżbieta""")

# Persian names with the ways they are written in Latin letters.
IR_LATIN = {
    "محمد": "Mohammad Mohammed Muhammad",
    "علی": "Ali",
    "حسین": "Hossein Hussein Hosein",
    "رضا": "Reza",
    "مهدی": "Mehdi Mahdi",
    "امیر": "Amir",
    "حسن": "Hassan Hasan",
    "سعید": "Saeed Saeid Said",
    "مجید": "Majid",
    "حمید": "Hamid",
    "احمد": "Ahmad Ahmed",
    "مصطفی": "Mostafa Mustafa",
    "جواد": "Javad",
    "محسن": "Mohsen",
    "وحید": "Vahid",
    "بهرام": "Bahram",
    "داریوش": "Dariush Daryoush",
    "کامران": "Kamran",
    "پویا": "Pouya Puya",
    "آرش": "Arash",
    "بابک": "Babak",
    "فرهاد": "Farhad",
    "سینا": "Sina",
    "امید": "Omid",
    "نیما": "Nima",
    "یوسف": "Yousef Yusef",
    "مهران": "Mehran",
    "کیان": "Kian",
    "ابوالفضل": "Abolfazl",
    "محمدرضا": "Mohammadreza",
    "ممد": "Mamad",
    "فاطمه": "Fatemeh Fatima Fateme",
    "زهرا": "Zahra",
    "مریم": "Maryam Mariam",
    "معصومه": "Masoumeh Masoume",
    "زینب": "Zeinab Zaynab",
    "سارا": "Sara Sarah",
    "نرگس": "Narges",
    "لیلا": "Leila Leyla",
    "مینا": "Mina",
    "نازنین": "Nazanin",
    "الهام": "Elham",
    "شیما": "Shima",
    "پریسا": "Parisa",
    "نسرین": "Nasrin",
    "سمیرا": "Samira",
    "مهسا": "Mahsa",
    "آزاده": "Azadeh Azade",
    "سپیده": "Sepideh",
    "نیلوفر": "Niloufar Niloofar",
    "فرشته": "Fereshteh",
    "طاهره": "Tahereh",
    "مهناز": "Mahnaz",
    "رویا": "Roya",
    "شیرین": "Shirin",
    "یاسمن": "Yasaman Yasamin",
    "عسل": "Asal",
    "هانیه": "Hanieh Haniyeh",
    "کوثر": "Kowsar Kosar",
    "فاطی": "Fati",
    "مری": "Mary",
    "محمدی": "Mohammadi Mohamadi",
    "حسینی": "Hosseini Hoseini",
    "احمدی": "Ahmadi",
    "رضایی": "Rezaei Rezaee Rezaie",
    "موسوی": "Mousavi Musavi",
    "کریمی": "Karimi",
    "جعفری": "Jafari Jafary",
    "رحیمی": "Rahimi",
    "هاشمی": "Hashemi",
    "صادقی": "Sadeghi",
    "کاظمی": "Kazemi",
    "قاسمی": "Ghasemi Qasemi",
    "حیدری": "Heidari Heydari",
    "نوری": "Nouri Noori",
    "مرادی": "Moradi",
    "اکبری": "Akbari",
    "عباسی": "Abbasi",
    "تهرانی": "Tehrani",
    "شریفی": "Sharifi",
    "زارعی": "Zarei",
    "یزدانی": "Yazdani",
    "سلطانی": "Soltani",
    "امینی": "Amini",
    "رحمانی": "Rahmani",
    "نجفی": "Najafi",
    "کرمانی": "Kermani",
    "طاهری": "Taheri",
    "باقری": "Bagheri",
    "ابراهیمی": "Ebrahimi",
    "فرهادی": "Farhadi",
    "خسروی": "Khosravi",
    "نظری": "Nazari",
    "سعیدی": "Saeedi",
    "اصفهانی": "Esfahani Isfahani",
    "شیرازی": "Shirazi",
    "قربانی": "Ghorbani",
    "جلالی": "Jalali",
}
IR_MALE = _words("""
محمد علی حسین رضا مهدی امیر حسن سعید مجید حمید احمد مصطفی جواد محسن وحید بهرام داریوش
کامران پویا آرش بابک فرهاد سینا امید نیما یوسف مهران کیان ابوالفضل محمدرضا""")
IR_FEMALE = _words("""
فاطمه زهرا مریم معصومه زینب سارا نرگس لیلا مینا نازنین الهام شیما پریسا نسرین سمیرا
مهسا آزاده سپیده نیلوفر فرشته طاهره مهناز رویا شیرین یاسمن عسل هانیه کوثر""")
IR_SURNAMES = _words("""
محمدی حسینی احمدی رضایی موسوی کریمی جعفری رحیمی هاشمی صادقی کاظمی قاسمی حیدری نوری
مرادی اکبری عباسی تهرانی شریفی زارعی یزدانی سلطانی امینی رحمانی نجفی کرمانی طاهری باقری ابراهیمی
فرهادی خسروی نظری سعیدی اصفهانی شیرازی قربانی جلالی""")

NICKNAMES = {
    "Arben": "Beni",
    "Artan": "Tani",
    "Ardian": "Dani",
    "Agron": "Roni",
    "Dritan": "Tani",
    "Nikolla": "Niko",
    "Fatmir": "Miri",
    "Klodian": "Kodi",
    "Gjergj": "Gjergji",
    "Enkelejda": "Keli",
    "Esmeralda": "Meri",
    "Valentina": "Tina",
    "Gentiana": "Genta",
    "Jose": "Pepe Joey",
    "Francisco": "Kiko",
    "Roberto": "Obet Bobby",
    "Antonio": "Tonyo Tony",
    "Jesus": "Jessie",
    "Mary Grace": "Grace",
    "John Paul": "JP",
    "Michael": "Mike",
    "Jennifer": "Jen",
    "Kristine": "Tin",
    "Christian": "Ian",
    "Joshua": "Josh",
    "Angelica": "Gel Angel",
    "Rodrigo": "Rod",
    "Ramon": "Mon",
    "Eduardo": "Edu",
    "Георги": "Гошо Жоро",
    "Иван": "Ваньо",
    "Димитър": "Митко",
    "Николай": "Ники Кольо",
    "Петър": "Пешо",
    "Христо": "Ицо",
    "Тодор": "Тошо",
    "Стефан": "Стефчо",
    "Йордан": "Данчо",
    "Васил": "Васко",
    "Александър": "Сашо",
    "Атанас": "Наско",
    "Красимир": "Краси",
    "Мария": "Мими",
    "Елена": "Ели",
    "Йорданка": "Данче",
    "Десислава": "Деси",
    "Гергана": "Геги",
    "Цветелина": "Цвети",
    "Виктория": "Вики",
    "Даниела": "Дани",
    "Надежда": "Надя",
    "Теодора": "Теди",
    "Снежана": "Снежи",
    "Piotr": "Piotrek",
    "Krzysztof": "Krzysiek",
    "Tomasz": "Tomek",
    "Jakub": "Kuba",
    "Wojciech": "Wojtek",
    "Grzegorz": "Grzesiek",
    "Stanisław": "Staszek",
    "Andrzej": "Jędrek",
    "Aleksander": "Olek",
    "Anna": "Ania",
    "Katarzyna": "Kasia",
    "Małgorzata": "Gosia Małgosia",
    "Agnieszka": "Aga",
    "Magdalena": "Magda",
    "Joanna": "Asia",
    "Aleksandra": "Ola",
    "Barbara": "Basia",
    "Zofia": "Zosia",
    "Elżbieta": "Ela",
    "Monika": "Monia",
    "فاطمه": "فاطی",
    "محمد": "ممد",
    "مریم": "مری",
    "معصومه": "معصی",
}

CITIES = {  # (weight, "spellings|the usual one first")
    "AL": [
        (30, "Tiranë|Tirana|Tirane"),
        (9, "Durrës|Durres|Durrësi"),
        (6, "Vlorë|Vlora|Vlore"),
        (5, "Shkodër|Shkodra|Shkoder"),
        (5, "Elbasan|Elbasani"),
        (4, "Korçë|Korca|Korce"),
        (4, "Fier|Fieri"),
        (2, "Berat|Berati"),
    ],
    "PH": [
        (18, "Quezon City|QC|Quezon"),
        (12, "Manila|City of Manila"),
        (9, "Davao City|Davao"),
        (7, "Cebu City|Cebu"),
        (6, "Caloocan"),
        (5, "Makati|Makati City"),
        (5, "Pasig|Pasig City"),
        (5, "Taguig|Taguig City"),
        (3, "Iloilo City|Iloilo"),
    ],
    "BG": [
        (30, "София|Sofia|Sofiya"),
        (9, "Пловдив|Plovdiv"),
        (8, "Варна|Varna"),
        (5, "Бургас|Burgas"),
        (3, "Русе|Ruse|Rousse"),
        (3, "Стара Загора|Stara Zagora"),
        (2, "Плевен|Pleven"),
    ],
    "IR": [
        (30, "تهران|Tehran|Teheran"),
        (10, "مشهد|Mashhad|Mashad"),
        (7, "اصفهان|Isfahan|Esfahan"),
        (6, "کرج|Karaj"),
        (5, "شیراز|Shiraz"),
        (5, "تبریز|Tabriz"),
        (3, "قم|Qom|Ghom"),
    ],
    "PL": [
        (18, "Warszawa|Warsaw|warszawa"),
        (8, "Kraków|Krakow|Cracow"),
        (7, "Łódź|Lodz"),
        (6, "Wrocław|Wroclaw"),
        (5, "Poznań|Poznan"),
        (4, "Gdańsk|Gdansk"),
        (3, "Szczecin"),
        (3, "Lublin"),
    ],
}
PROVIDERS = {
    "AL": [(40, "gmail.com"), (25, "yahoo.com"), (20, "hotmail.com"), (5, "live.com")],
    "PH": [(50, "gmail.com"), (25, "yahoo.com"), (10, "yahoo.com.ph"), (10, "outlook.com")],
    "BG": [(35, "abv.bg"), (35, "gmail.com"), (15, "mail.bg"), (8, "dir.bg"), (7, "yahoo.com")],
    "IR": [(45, "gmail.com"), (25, "yahoo.com"), (15, "chmail.ir"), (10, "mailfa.com")],
    "PL": [(35, "gmail.com"), (25, "wp.pl"), (15, "o2.pl"), (15, "onet.pl"), (10, "interia.pl")],
}
WORK_TLDS = {
    "AL": ("al", "com"),
    "PH": ("com.ph", "ph", "com"),
    "BG": ("bg", "com"),
    "IR": ("ir", "com", "co.ir"),
    "PL": ("pl", "com.pl", "com"),
}
WORDS = _words("""
sky blue moon star wolf lion angel coffee pixel travel foodie gamer princess king queen
shadow dream happy crazy lucky sweet dark little golden ocean rose tiger dragon ninja music art
photo life style boss real official mr miss baby bunny kitty panda cherry mango summer winter
rain storm fire ice dielli zemra ylli shqipe mahal ganda bituin zvezda more gora slonce kot
misiek ptak setareh mahtab gol darya asal barf""")
SURNAME_FAMILY = {
    "AL": "familja",
    "PH": "family",
    "BG": "semeistvo",
    "IR": "family",
    "PL": "rodzina",
}

# Mobile ranges (national significant number: prefix digits then random digits) and landlines.
MOBILE = {
    "AL": ("355", ["67", "68", "69"], 7),
    "PH": ("63", ["917", "918", "927", "939", "995", "998", "905", "906"], 7),
    "BG": ("359", ["87", "88", "89", "98"], 7),
    "IR": ("98", ["912", "919", "935", "936", "901", "990"], 7),
    "PL": ("48", ["50", "51", "53", "57", "60", "66", "69", "72", "78", "79", "88"], 7),
}
LANDLINE = {
    "AL": ("355", ["4"], 7),
    "PH": ("63", ["2"], 8),
    "BG": ("359", ["2"], 7),
    "IR": ("98", ["21"], 8),
    "PL": ("48", ["22"], 7),
}
TRUNK = {"AL": "0", "PH": "0", "BG": "0", "IR": "0", "PL": ""}
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_LETTERS = str.maketrans("یک", "يك")

# Bulgarian romanisation: the official 2009 table and three ways people deviate from it.
_BG_BASE = dict(
    zip(
        "абвгдежзийклмнопрстуфхцчшщъьюя",
        _words("a b v g d e zh z i y k l m n o p r s t u f h ts ch sh sht a y yu ya"),
        strict=True,
    )
)
_BG_SCHEMES = (
    {},
    {"х": "kh", "ъ": "u"},
    {"й": "j", "ю": "ju", "я": "ja", "ц": "c", "ж": "zh"},
    {"й": "i", "ю": "iu", "я": "ia", "ъ": "u"},
)

# What each source shows: P(name as first+last | full | first only | none), then P(field).
_SHOW = {
    "webform": (
        (0.70, 0.22, 0.06, 0.02),
        {"email": 0.85, "phone": 0.70, "city": 0.50, "company": 0.15, "birthday": 0.10},
    ),
    "email": ((0.0, 0.55, 0.15, 0.30), {"email": 1.0, "phone": 0.10, "company": 0.15}),
    "phone": ((0.15, 0.20, 0.40, 0.25), {"phone": 1.0, "city": 0.10}),
    "instagram": ((0.0, 0.50, 0.25, 0.25), {"instagram": 1.0, "city": 0.05, "email": 0.05}),
    "visit": (
        (0.75, 0.10, 0.12, 0.03),
        {"phone": 0.50, "email": 0.25, "city": 0.40, "birthday": 0.20},
    ),
    "facebook": (
        (0.0, 0.90, 0.07, 0.03),
        {"city": 0.35, "email": 0.15, "phone": 0.10, "company": 0.10},
    ),
}
_SOURCE_BASE = {"webform": 3, "email": 3, "phone": 3, "instagram": 2, "visit": 2, "facebook": 2}


@dataclass
class Person:
    entity: int
    market: str
    female: bool
    given: str
    surname: str  # as written for this person (feminine in Bulgarian and Polish)
    family: str  # the family's surname in its base form, shared by a household
    city: str
    birthday: dt.date
    company: str = ""
    phones: list[str] = field(default_factory=list)  # E.164 without "+"
    emails: list[str] = field(default_factory=list)  # personal first, then work
    handles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Ranked:
    names: tuple[str, ...]
    cum: tuple[float, ...]

    @classmethod
    def of(cls, head: Sequence[str], tail: Sequence[str] = ()) -> _Ranked:
        names = tuple(dict.fromkeys([*head, *tail]))
        weights = [1.0 / (rank + ZIPF_Q) ** ZIPF_S for rank in range(len(names))]
        return cls(names, tuple(itertools.accumulate(weights)))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cum)[0]


def _persian(text: str) -> str:
    return text.replace("ي", "ی").replace("ك", "ک")


def _shuffled(names: Sequence[str]) -> list[str]:
    # Faker's Bulgarian lists are alphabetical: a fixed shuffle makes a rank order of them.
    out = list(names)
    random.Random(12).shuffle(out)
    return out


@cache
def _pools() -> dict[tuple[str, str], _Ranked]:
    from faker.providers.person import bg_BG, en, fa_IR, pl_PL

    pl_m = pl_PL.Provider.male_last_names
    return {
        ("AL", "m"): _Ranked.of(AL_MALE),
        ("AL", "f"): _Ranked.of(AL_FEMALE),
        ("AL", "s"): _Ranked.of(AL_SURNAMES),
        ("PH", "m"): _Ranked.of(PH_MALE_HEAD, _shuffled(en.Provider.first_names_male)[:400]),
        ("PH", "f"): _Ranked.of(PH_FEMALE_HEAD, _shuffled(en.Provider.first_names_female)[:400]),
        ("PH", "s"): _Ranked.of(PH_SURNAMES),
        ("BG", "m"): _Ranked.of(BG_MALE_HEAD, _shuffled(bg_BG.Provider.first_names_male)),
        ("BG", "f"): _Ranked.of(BG_FEMALE_HEAD, _shuffled(bg_BG.Provider.first_names_female)),
        ("BG", "s"): _Ranked.of(BG_SURNAME_HEAD, bg_BG.Provider.last_names_male),
        ("IR", "m"): _Ranked.of(IR_MALE, map(_persian, fa_IR.Provider.first_names_male)),
        ("IR", "f"): _Ranked.of(IR_FEMALE, map(_persian, fa_IR.Provider.first_names_female)),
        ("IR", "s"): _Ranked.of(IR_SURNAMES, map(_persian, fa_IR.Provider.last_names)),
        ("PL", "m"): _Ranked.of(PL_MALE_HEAD, pl_PL.Provider.first_names_male),
        ("PL", "f"): _Ranked.of(PL_FEMALE_HEAD, pl_PL.Provider.first_names_female),
        ("PL", "s"): _Ranked.of(pl_m, pl_PL.Provider.unisex_last_names[:600]),
    }


def _feminine(surname: str, market: str) -> str:
    if market == "PL":
        for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
            if surname.endswith(male):
                return surname[: -len(male)] + female
    if market == "BG" and surname.endswith(("ов", "ев", "ин")):
        return surname + "а"
    if market == "BG" and surname.endswith("ски"):
        return surname[:-1] + "а"
    return surname


# --- writing things the way people write them -----------------------------------------------


def _ascii(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _bg_latin(text: str, scheme: int) -> str:
    table = {**_BG_BASE, **_BG_SCHEMES[scheme]}
    if scheme == 0 and text.endswith("ия"):  # the official table's one ending rule
        text = text[:-2] + "\0"
    out = []
    for ch in text:
        low = ch.lower()
        rep = "ia" if ch == "\0" else table.get(low, ch)
        out.append(rep.capitalize() if ch != low else rep)
    return "".join(out)


def _ir_latin(text: str, rng: random.Random) -> str | None:
    parts = [IR_LATIN.get(p) for p in text.split()]
    if not all(parts):
        return None
    return " ".join(rng.choice(p.split()) for p in parts if p)


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text))
    kind = rng.random()
    if kind < 0.3:
        return text[:i] + text[i + 1 :]  # a letter dropped
    if kind < 0.5:
        return text[:i] + text[i] + text[i:]  # a letter doubled
    if kind < 0.7 and i < len(text) - 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # two letters swapped
    pool = [c for c in text.lower() if c.isalpha()] or ["a"]
    return text[:i] + rng.choice(pool) + text[i + 1 :]  # a letter from the same name


def _name_script(p: Person, source: str, rng: random.Random) -> Callable[[str], str]:
    """How this record spells the person's name parts (script, scheme, diacritics)."""
    social = source in SOCIAL
    if p.market == "BG" and rng.random() < (0.45 if social else 0.20):
        scheme = rng.choices(range(4), weights=(5, 2, 2, 1))[0]
        return lambda s: _bg_latin(s, scheme)
    if p.market == "IR":
        if rng.random() < (0.40 if social else 0.15):
            choice = rng.random()
            return lambda s: _ir_latin(s, random.Random(choice)) or s
        arabic, zwnj = rng.random() < 0.25, rng.random()

        def persian(s: str) -> str:
            if " " in s and zwnj < 0.4:
                s = s.replace(" ", "\u200c" if zwnj < 0.25 else "")
            return s.translate(ARABIC_LETTERS) if arabic else s

        return persian
    if p.market in ("PL", "AL", "PH") and rng.random() < 0.35:
        return _ascii
    return lambda s: s


def _show_name(p: Person, source: str, form: int, rng: random.Random) -> tuple[str, str, str]:
    """(first_name, last_name, full_name) as this record shows them; form indexes _SHOW."""
    if form == 3:
        return "", "", ""
    write = _name_script(p, source, rng)
    given = p.given
    nick = NICKNAMES.get(given)
    if nick and rng.random() < (0.25 if source in SOCIAL else 0.12):
        given = rng.choice(nick.split())
    first, last = write(given), write(p.surname)
    if form == 2:
        last = ""
    elif rng.random() < 0.05:
        first = first[0] + "."
    if rng.random() < (0.08 if source == "visit" else 0.04):
        if last and rng.random() < 0.5:
            last = _typo(last, rng)
        else:
            first = _typo(first, rng)
    case = rng.random()
    if case < 0.04:
        first, last = first.upper(), last.upper()
    elif case < 0.12:
        first, last = first.lower(), last.lower()
    if form == 0:
        return first, last, ""
    parts = [last, first] if last and rng.random() < 0.03 else [first, last]
    return "", "", " ".join(x for x in parts if x)


def _write_phone(e164: str, market: str, rng: random.Random) -> str:
    cc = MOBILE[market][0]
    national = e164[len(cc) :]
    split = (3, 3) if market == "PL" else (len(national) - 7, 3)
    a, b, c = national[: split[0]], national[split[0] : sum(split)], national[sum(split) :]
    style = rng.random()
    if style < 0.20:
        text = f"+{e164}"
    elif style < 0.40:
        text = f"+{cc} {a} {b} {c}"
    elif style < 0.47:
        text = f"00{cc} {a}{b}{c}"
    elif style < 0.70:
        text = f"{TRUNK[market]}{a} {b} {c}"
    elif style < 0.85:
        text = f"{TRUNK[market]}{a}{b}{c}"
    else:
        text = f"{TRUNK[market]}{a}-{b}-{c}"
    if market == "IR" and rng.random() < 0.30:
        text = text.translate(PERSIAN_DIGITS)
    return text


def _write_birthday(day: dt.date, market: str, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.5:
        return day.isoformat()
    if market == "PH":
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    return f"{day.day:02d}.{day.month:02d}.{day.year}" if style < 0.85 else day.strftime("%d/%m/%Y")


# --- people ----------------------------------------------------------------------------------


class _World:
    """Everything drawn for one seed: people, and the identifiers already given out."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.taken: set[str] = set()
        self.pools = _pools()
        locales = {"PH": "en_PH", "BG": "bg_BG", "IR": "fa_IR", "PL": "pl_PL"}
        self.fakers = {market: Faker(locale) for market, locale in locales.items()}
        for n, fk in enumerate(self.fakers.values()):
            fk.seed_instance(seed * 10 + n)

    def unique(self, make: Callable[[], str]) -> str:
        value = make()
        while value in self.taken:
            value = make() + str(self.rng.randrange(10, 1000))
        self.taken.add(value)
        return value

    def number(self, market: str, table: dict[str, tuple[str, list[str], int]]) -> str:
        cc, prefixes, digits = table[market]
        rng = self.rng

        def make() -> str:
            return cc + rng.choice(prefixes) + "".join(rng.choices("0123456789", k=digits))

        value = make()
        while value in self.taken:
            value = make()
        self.taken.add(value)
        return value

    def latin(self, p: Person, name: str) -> str:
        if p.market == "BG":
            return _bg_latin(name, 0)
        if p.market == "IR":
            return _ir_latin(name, self.rng) or ""
        return _ascii(name)

    def local_part(self, p: Person) -> str:
        rng = self.rng
        given, surname = self.latin(p, p.given).lower(), self.latin(p, p.surname).lower()
        given, surname = given.replace(" ", ""), surname.replace(" ", "")
        nick = self.latin(p, NICKNAMES.get(p.given, p.given).split()[0]).lower()
        year = str(p.birthday.year)
        style = rng.random()
        if style < 0.30 and given and surname:
            sep = rng.choice([".", "", "_"])
            forms = (
                f"{given}{sep}{surname}",
                f"{given[0]}{sep}{surname}",
                f"{surname}{sep}{given}",
                f"{given}{sep}{surname}{year[2:]}",
            )
            return rng.choice(forms)
        if style < 0.50 and nick:
            return nick.replace(" ", "") + rng.choice([year, year[2:], str(rng.randrange(1, 999))])
        if style < 0.75:
            return rng.choice(WORDS) + rng.choice([".", "_", ""]) + rng.choice(WORDS)
        if style < 0.88:
            return rng.choice(WORDS) + year
        letters = "".join(rng.choices("abcdefghijklmnoprstuvz", k=rng.randint(3, 6)))
        return letters + str(rng.randrange(10, 99999))

    def handle(self, p: Person) -> str:
        rng = self.rng
        style = rng.random()
        if style < 0.15:
            base = self.latin(p, p.given).lower().replace(" ", "") or rng.choice(WORDS)
            return base + rng.choice(["_", ".", ""]) + rng.choice(WORDS)
        if style < 0.65:
            return rng.choice(WORDS) + rng.choice(["_", ".", ""]) + str(rng.randrange(1, 9999))
        return rng.choice(WORDS) + rng.choice(["_", ".", "_the_", ""]) + rng.choice(WORDS)

    def company(self, p: Person) -> tuple[str, str]:
        rng = self.rng
        if p.market == "AL":
            name = f"{rng.choice(WORDS).capitalize()} {rng.choice(AL_SURNAMES)} sh.p.k."
        else:
            name = self.fakers[p.market].company()
        slug = "".join(c for c in _ascii(name.split()[0]).lower() if c.isascii() and c.isalnum())
        if len(slug) < 3:
            slug = rng.choice(WORDS) + rng.choice(WORDS)
        return name, f"{slug}.{rng.choice(WORK_TLDS[p.market])}"

    def person(
        self, entity: int, market: str, surname: str = "", city: str = "", avoid: str = ""
    ) -> Person:
        """A new person; relatives pass the family's *surname*, *city* and a given name to
        *avoid* (their own)."""
        rng = self.rng
        female = rng.random() < 0.5
        sex = "f" if female else "m"
        given = self.pools[market, sex].draw(rng)
        while given == avoid:
            given = self.pools[market, sex].draw(rng)
        surname = surname or self.pools[market, "s"].draw(rng)
        if not city:
            options = CITIES[market]
            city = rng.choices([c for _, c in options], weights=[w for w, _ in options])[0]
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
        p = Person(
            entity,
            market,
            female,
            given,
            _feminine(surname, market) if female else surname,
            surname,
            city,
            born,
        )
        for _ in range(rng.choices((0, 1, 2), weights=(15, 60, 25))[0]):
            p.phones.append(self.number(market, MOBILE))
        providers = PROVIDERS[market]
        for _ in range(rng.choices((0, 1, 2), weights=(12, 58, 30))[0]):
            domain = rng.choices([d for _, d in providers], weights=[w for w, _ in providers])[0]
            p.emails.append(self.unique(lambda d=domain: f"{self.local_part(p)}@{d}"))
        if rng.random() < 0.35:
            p.company, domain = self.company(p)
            if rng.random() < 0.5:
                g, s = self.latin(p, p.given).lower(), self.latin(p, p.surname).lower()
                g, s = g.replace(" ", "") or "info", s.replace(" ", "")
                local = rng.choices([f"{g}.{s}", f"{g[0]}{s}", g], weights=(60, 25, 15))[0]
                p.emails.append(self.unique(lambda: f"{local.strip('.')}@{domain}"))
        for _ in range(rng.choices((0, 1, 2), weights=(45, 50, 5))[0]):
            p.handles.append(self.unique(lambda: self.handle(p)))
        return p

    def household(self, first: Person, size: int) -> list[Person]:
        """*first* and size-1 relatives sharing a landline or one inbox."""
        rng = self.rng
        members = [first]
        for n in range(1, size):
            members.append(
                self.person(first.entity + n, first.market, first.family, first.city, first.given)
            )
        if rng.random() < 0.6:
            line = self.number(first.market, LANDLINE)
            for m in members:
                m.phones.insert(0, line)
        else:
            fam = self.latin(first, first.surname).lower().replace(" ", "") or rng.choice(WORDS)
            base = rng.choice([f"{SURNAME_FAMILY[first.market]}.{fam}", f"{fam}.home", fam])
            inbox = self.unique(lambda: f"{base}@{PROVIDERS[first.market][0][1]}")
            for m in members:
                m.emails.insert(0, inbox)
        return members


# --- records ---------------------------------------------------------------------------------


def _record(p: Person, source: str, rng: random.Random) -> dict[str, str]:
    forms, fields = _SHOW[source]
    form = rng.choices(range(4), weights=forms)[0]
    first, last, full = _show_name(p, source, form, rng)
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        entity_id=str(p.entity),
        source=source,
        first_name=first,
        last_name=last,
        full_name=full,
        region="" if rng.random() < 0.15 else p.market,
    )
    if rng.random() < fields.get("email", 0) and p.emails:
        # Work mailboxes are the last ones; email-sourced records favour them when present.
        work = source == "email" and p.company and rng.random() < 0.5
        email = p.emails[-1] if work else rng.choice(p.emails)
        row["email"] = email.upper() if rng.random() < 0.03 else email
    if rng.random() < fields.get("phone", 0) and p.phones:
        row["phone"] = _write_phone(rng.choice(p.phones), p.market, rng)
    if rng.random() < fields.get("instagram", 0) and p.handles:
        handle = rng.choice(p.handles)
        row["instagram"] = "@" + handle if rng.random() < 0.5 else handle
    if rng.random() < fields.get("city", 0):
        spellings = p.city.split("|")
        city = spellings[0] if rng.random() < 0.6 else rng.choice(spellings)
        row["city"] = city.lower() if rng.random() < 0.1 else city
    if rng.random() < fields.get("company", 0) and p.company:
        row["company"] = p.company if rng.random() < 0.7 else p.company.split(" ")[0]
    if rng.random() < fields.get("birthday", 0):
        row["birthday"] = _write_birthday(p.birthday, p.market, rng)
    return row


def _sources(p: Person, k: int, rng: random.Random) -> list[str]:
    has = {"email": bool(p.emails), "phone": bool(p.phones), "instagram": bool(p.handles)}
    names = [s for s in _SOURCE_BASE if has.get(s, True)]
    weights = [_SOURCE_BASE[s] * rng.random() ** 2 + 0.05 for s in names]
    return rng.choices(names, weights=weights, k=k)


def generate(n: int, seed: int) -> list[dict[str, str]]:
    """*n* shuffled records of generated people, the same for the same *seed*."""
    world = _World(seed)
    rng = world.rng
    markets, market_weights = list(MARKETS), list(MARKETS.values())
    rows: list[dict[str, str]] = []
    entity = 0
    while len(rows) < n:
        market = rng.choices(markets, weights=market_weights)[0]
        first = world.person(entity, market)
        people = world.household(first, rng.choice((2, 2, 3))) if rng.random() < 0.04 else [first]
        entity += len(people)
        for p in people:
            k = 1
            while k < 12 and rng.random() < 0.5:
                k += 1
            rows.extend(_record(p, source, rng) for source in _sources(p, k, rng))
    del rows[n:]
    rng.shuffle(rows)
    for i, row in enumerate(rows):
        row["record_id"] = str(i)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="number of records")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = generate(args.n, args.seed)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
