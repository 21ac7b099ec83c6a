"""A generated booking history of one dossier (a bakery's purchases over three years), seeded,
for the suggestions benchmark.

About 60 suppliers with the patterns a dossier really has: monthly rent (one landlord with a
second line for charges), energy bills with several lines whose shares follow the season and
an energy supplier that is replaced halfway, water each quarter, telecom with a subscription
(services) and a handset instalment (goods), fuel several times a week at three stations (50 %
deductible VAT), goods for resale at 6 % and 21 % from wholesalers whose invoices mix items,
services (accountant, cleaning, software, interim, insurance at 0 %), repairs, business meals
(12 %, not deductible) and one-off purchases (investments, print work, training) at suppliers
seen once or twice. Descriptions vary (months, quantities, abbreviations, French, typos), and
the books drift and are not always consistent: the office moves one telecom subscription to another GL account from July 2024,
soft drinks go from 6 % to 21 % VAT on 1 April 2023, rent is indexed every January, and about one line in forty is booked on another plausible
account than usual (INCONSISTENT_SHARE), as people do."""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from worklist.domain.suggestions import PastBooking, PastLine

START, END = date(2023, 1, 1), date(2025, 12, 31)
CENT = Decimal("0.01")
RATES = {"A0": 0, "A6": 6, "A12": 12, "A21": 21, "D21": 21, "A21-50": 21, "A12-ND": 12, "I21": 21}
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]

INCONSISTENT_SHARE = 0.025
# Where a hurried employee puts a line instead: sundry goods, sundry services, repairs.
OTHER_ACCOUNTS = ("616000", "613900", "611000")

Item = tuple[str, str, list[str], tuple[float, float]]  # GL, VAT code, descriptions, amount range


@dataclass
class Supplier:
    number: str
    dates: Callable[[random.Random], Iterator[date]]
    lines: Callable[[random.Random, date], list[tuple[str, str, str, Decimal]]]


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def every(days: float, jitter: int = 0, start: date = START, end: date = END):
    def dates(rng: random.Random) -> Iterator[date]:
        day = start + timedelta(days=rng.randint(0, max(0, int(days) - 1)))
        while day <= end:
            late = day + timedelta(days=rng.randint(0, jitter)) if jitter else day
            if late <= end:
                yield late
            day += timedelta(days=max(1, round(rng.expovariate(1 / days)) if jitter else days))

    return dates


def monthly(day: int = 1, start: date = START, end: date = END):
    def dates(_rng: random.Random) -> Iterator[date]:
        year, month = start.year, start.month
        while (current := date(year, month, day)) <= end:
            if current >= start:
                yield current
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    return dates


def period(day: date, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.5:
        return f"{MONTHS[day.month - 1]} {day.year}"
    if style < 0.7:
        return f"{day.month:02d}/{day.year}"
    if style < 0.85:
        return f"{MOIS[day.month - 1]} {day.year}"
    return f"{MONTHS[day.month - 1][:3]}. {day.year % 100}"


def pick_items(items: list[Item], low: int, high: int):
    """A wholesaler's invoice: a few of its items, each its own line."""

    def lines(rng: random.Random, _day: date) -> list[tuple[str, str, str, Decimal]]:
        chosen = rng.sample(items, rng.randint(low, min(high, len(items))))
        return [
            (gl, vat, f"{rng.choice(texts)} {rng.randint(1, 40)}", money(rng.uniform(*span)))
            for gl, vat, texts, span in chosen
        ]

    return lines


def fixed(*items: Item):
    def lines(rng: random.Random, day: date) -> list[tuple[str, str, str, Decimal]]:
        return [
            (gl, vat, f"{rng.choice(texts)} {period(day, rng)}", money(rng.uniform(*span)))
            for gl, vat, texts, span in items
        ]

    return lines


def rent(base: float, charges: float | None):
    def lines(rng: random.Random, day: date) -> list[tuple[str, str, str, Decimal]]:
        amount = money(base * 1.02 ** (day.year - START.year))
        text = rng.choice(["Huur", "Huurgeld", "Loyer", "Huur handelspand"])
        result = [("610000", "A0", f"{text} {period(day, rng)}", amount)]
        if charges is not None:
            result.append(
                ("610100", "A0", f"Provisie huurlasten {period(day, rng)}", money(charges))
            )
        return result

    return lines


def energy(rng0: float):
    def lines(rng: random.Random, day: date) -> list[tuple[str, str, str, Decimal]]:
        winter = 1.6 if day.month in (11, 12, 1, 2, 3) else 0.8
        result = [
            (
                "612000",
                "A21",
                f"{rng.choice(['Elektriciteit', 'Electriciteit', 'Stroom'])} verbruik {period(day, rng)}",
                money(rng0 * rng.uniform(0.8, 1.2)),
            ),
            (
                "612010",
                "A21",
                f"{rng.choice(['Aardgas', 'Gas', 'Gaz naturel'])} {period(day, rng)}",
                money(rng0 * winter * rng.uniform(0.7, 1.3)),
            ),
            (
                "612000",
                "A21",
                rng.choice(["Distributie netbeheer", "Nettarieven", "Netbeheerkosten"]),
                money(rng0 * 0.35 * rng.uniform(0.9, 1.1)),
            ),
            (
                "612000",
                "A0",
                rng.choice(["Federale bijdrage en heffingen", "Heffingen", "Cotisation fédérale"]),
                money(rng.uniform(8, 25)),
            ),
        ]
        return result

    return lines


def telecom(subscription_gl_after: str | None, handset_until: date | None):
    def lines(rng: random.Random, day: date) -> list[tuple[str, str, str, Decimal]]:
        gl = "612300"
        if subscription_gl_after and day >= date(2024, 7, 1):
            gl = subscription_gl_after
        result = [
            (
                gl,
                "D21",
                f"{rng.choice(['Abonnement mobiel', 'Mobiel abonnement', 'Abonnement GSM'])} {rng.randint(1, 4)} lijnen",
                money(rng.uniform(40, 90)),
            ),
            (
                gl,
                "D21",
                rng.choice(["Internet + TV", "Internet Pro", "Vaste lijn en internet"]),
                money(rng.uniform(50, 70)),
            ),
        ]
        if handset_until and day <= handset_until:
            result.append(
                ("612310", "A21", f"Toestel afbetaling {rng.randint(1, 24)}/24", money(32.5))
            )
        return result

    return lines


def soft_drinks(rng: random.Random, day: date) -> list[tuple[str, str, str, Decimal]]:
    vat = "A6" if day < date(2023, 4, 1) else "A21"
    lines = [
        (
            "604000",
            vat,
            f"{rng.choice(['Frisdrank', 'Cola', 'Limonade', 'Spuitwater'])} {rng.randint(2, 20)} bak",
            money(rng.uniform(40, 300)),
        )
    ]
    if rng.random() < 0.4:
        lines.append(
            (
                "604000",
                "A21",
                f"{rng.choice(['Wijn', 'Cava', 'Bier'])} {rng.randint(1, 10)} fl",
                money(rng.uniform(20, 150)),
            )
        )
    if rng.random() < 0.5:
        lines.append(("604100", "A21", "Leeggoed", money(rng.uniform(3, 30))))
    return lines


def fuel(rng: random.Random, _day: date) -> list[tuple[str, str, str, Decimal]]:
    liters = rng.uniform(20, 60)
    kind = rng.choice(["Diesel", "Diesel B7", "Gasoil", "Euro 95 E10"])
    lines = [("615000", "A21-50", f"{kind} {liters:.2f} l", money(liters * rng.uniform(1.5, 1.9)))]
    if rng.random() < 0.15:
        lines.append(
            (
                "615100",
                "A21-50",
                rng.choice(["Carwash", "Autowas programma 3"]),
                money(rng.uniform(10, 20)),
            )
        )
    if rng.random() < 0.1:
        lines.append(("615100", "A21-50", "AdBlue 10 l", money(rng.uniform(12, 18))))
    return lines


FLOUR: list[Item] = [
    ("604000", "A6", ["Bloem T55 25kg", "Tarwebloem T55", "Bloem patisserie"], (80, 600)),
    ("604000", "A6", ["Volkorenbloem 25kg", "Volkoren meel"], (40, 250)),
    ("604000", "A6", ["Roggebloem", "Rogge meel 10kg"], (20, 120)),
    ("604000", "A6", ["Gist vers", "Bakkersgist"], (10, 60)),
    ("604000", "A6", ["Kristalsuiker", "Suiker 50kg", "Poedersuiker"], (30, 200)),
]
DAIRY: list[Item] = [
    ("604000", "A6", ["Boter 82%", "Roomboter", "Beurre"], (60, 400)),
    ("604000", "A6", ["Room 35%", "Slagroom", "Crème fraîche"], (20, 150)),
    ("604000", "A6", ["Eieren 180 st", "Eieren bak", "Oeufs"], (30, 120)),
    ("604000", "A6", ["Volle melk", "Melk 10l"], (10, 60)),
]
WHOLESALE: list[Item] = [
    ("604000", "A6", ["Chocolade callets", "Chocolade 70%", "Pralinévulling"], (50, 400)),
    ("604000", "A6", ["Noten gemengd", "Amandelen", "Hazelnoten"], (20, 200)),
    ("616100", "A21", ["Onderhoudsproducten", "Schoonmaakmiddel", "Ontvetter"], (15, 90)),
    ("616100", "A21", ["Keukenrol", "Handschoenen nitril", "Vuilniszakken"], (10, 60)),
    ("604100", "A21", ["Taartdozen", "Doosjes pralines", "Dozen 30x30"], (30, 200)),
    ("604000", "A6", ["Fruit vers", "Aardbeien", "Appelen"], (20, 180)),
]
PACKAGING: list[Item] = [
    ("604100", "A21", ["Papieren zakjes", "Broodzakken", "Sacs à pain"], (40, 250)),
    ("604100", "A21", ["Taartdozen", "Dozen taart 24cm", "Taartkartons"], (30, 200)),
    ("604100", "A21", ["Draagtassen", "Draagtas papier"], (20, 120)),
    ("604100", "A21", ["Etiketten", "Kassarollen"], (10, 60)),
]
ONE_OFF: list[Item] = [
    (
        "241000",
        "I21",
        ["Laptop", "Laptop Dell Latitude", "Computer kantoor", "Pc kassa"],
        (600, 1800),
    ),
    ("240000", "I21", ["Koelvitrine", "Oven", "Deegmachine", "Koelcel"], (2000, 12000)),
    ("240000", "I21", ["Bureaustoel", "Kast", "Toonbank", "Tafels terras"], (150, 2500)),
    ("613400", "D21", ["Drukwerk flyers", "Naamkaartjes", "Folders druk", "Affiches"], (80, 600)),
    ("613400", "D21", ["Advertentie krant", "Publiciteit", "Facebook advertentie"], (50, 400)),
    ("613500", "D21", ["Opleiding HACCP", "Cursus", "Seminarie"], (150, 900)),
    ("611000", "D21", ["Herstelling", "Dépannage", "Interventie technieker"], (90, 700)),
]


def suppliers() -> list[Supplier]:
    result = [
        Supplier("L0001", monthly(1), rent(1450, None)),
        Supplier("L0002", monthly(1), rent(600, 85)),
        Supplier("L0010", monthly(20, end=date(2024, 6, 30)), energy(180)),
        Supplier("L0011", monthly(22, start=date(2024, 7, 1)), energy(170)),
        Supplier(
            "L0012",
            every(91),
            fixed(
                ("612020", "A6", ["Waterverbruik", "Drinkwater"], (60, 160)),
                ("612020", "A0", ["Saneringsbijdrage", "Bovengemeentelijke sanering"], (20, 60)),
            ),
        ),
        Supplier("L0020", monthly(5), telecom("613300", date(2024, 12, 31))),
        Supplier("L0021", monthly(8), telecom(None, None)),
        Supplier("L0030", every(5, 2), fuel),
        Supplier("L0031", every(7, 2), fuel),
        Supplier("L0032", every(9, 3), fuel),
        Supplier("L0040", every(3, 1), pick_items(FLOUR, 1, 3)),
        Supplier("L0041", every(3, 1), pick_items(DAIRY, 1, 3)),
        Supplier("L0042", every(7, 2), pick_items(WHOLESALE, 2, 4)),
        Supplier("L0043", every(14, 3), pick_items(PACKAGING, 1, 3)),
        Supplier("L0044", every(14, 3), soft_drinks),
        Supplier("L0045", every(10, 3), pick_items(FLOUR[:2] + DAIRY[:1], 1, 2)),
        Supplier(
            "L0046",
            every(30, 5),
            pick_items(
                [("604000", "A6", ["Koffiebonen", "Koffie espresso", "Thee"], (40, 200))], 1, 1
            ),
        ),
        Supplier(
            "L0050",
            every(91),
            fixed(
                (
                    "613100",
                    "D21",
                    ["Erelonen boekhouding", "Honoraires comptables", "Boekhouding kwartaal"],
                    (600, 900),
                )
            ),
        ),
        Supplier(
            "L0051",
            every(365),
            fixed(("613000", "A0", ["Brandverzekering premie", "Verzekering gebouw"], (700, 900))),
        ),
        Supplier(
            "L0052",
            every(365),
            fixed(
                (
                    "613000",
                    "A0",
                    ["BA uitbating", "Polis burgerlijke aansprakelijkheid"],
                    (300, 450),
                ),
                ("613000", "A0", ["Rechtsbijstand"], (80, 120)),
            ),
        ),
        Supplier(
            "L0053",
            monthly(15),
            fixed(("611000", "D21", ["Schoonmaak", "Poetsdienst", "Nettoyage"], (300, 420))),
        ),
        Supplier(
            "L0054",
            monthly(3),
            fixed(
                (
                    "613300",
                    "D21",
                    ["Licentie kassasoftware", "Abonnement kassa", "Software licentie"],
                    (49, 49),
                )
            ),
        ),
        Supplier(
            "L0055",
            every(40, 10),
            fixed(
                (
                    "617000",
                    "D21",
                    ["Interim verkoopster", "Uitzendkracht", "Prestaties interim"],
                    (400, 2200),
                )
            ),
        ),
        Supplier(
            "L0056",
            every(60, 20),
            pick_items(
                [
                    (
                        "611000",
                        "D21",
                        ["Onderhoud oven", "Onderhoud koelcel", "Herstelling deegmachine"],
                        (120, 800),
                    ),
                    (
                        "611000",
                        "A21",
                        ["Wisselstukken", "Vervangstuk", "Pièces détachées"],
                        (20, 300),
                    ),
                ],
                1,
                2,
            ),
        ),
        Supplier(
            "L0057",
            every(120, 30),
            pick_items(
                [
                    (
                        "611000",
                        "D21",
                        ["Onderhoud bestelwagen", "Onderhoud auto", "Entretien véhicule"],
                        (200, 600),
                    ),
                    ("615100", "A21-50", ["Banden", "Olie", "Ruitenwissers"], (20, 500)),
                ],
                1,
                2,
            ),
        ),
        Supplier(
            "L0060",
            every(45, 15),
            fixed(
                (
                    "614000",
                    "A12-ND",
                    ["Restaurant zakenlunch", "Lunch klant", "Restaurant"],
                    (40, 220),
                )
            ),
        ),
        Supplier(
            "L0061",
            every(75, 20),
            fixed(("614000", "A12-ND", ["Diner", "Repas d'affaires", "Restaurant"], (60, 300))),
        ),
    ]
    for index in range(33):
        result.append(
            Supplier(f"L{100 + index:04d}", _one_off_dates(index), pick_items(ONE_OFF, 1, 1))
        )
    return result


def _one_off_dates(index: int):
    def dates(rng: random.Random) -> Iterator[date]:
        first = START + timedelta(days=rng.randint(0, (END - START).days))
        yield first
        if index % 3 == 0 and first + timedelta(days=200) <= END:
            yield first + timedelta(days=rng.randint(30, 200))

    return dates


def generate(seed: int) -> list[PastBooking]:
    """The dossier's posted bookings, in the order of their dates."""
    rng = random.Random(seed)
    bookings: list[PastBooking] = []
    for supplier in suppliers():
        for day in supplier.dates(rng):
            lines = tuple(
                PastLine(_as_booked(rng, gl), vat, amount, description, Decimal(RATES[vat]))
                for gl, vat, description, amount in supplier.lines(rng, day)
            )
            bookings.append(PastBooking(f"B{len(bookings) + 1:05d}", supplier.number, day, lines))
    bookings.sort(key=lambda booking: (booking.booked_on, booking.booking_id))
    return bookings


def _as_booked(rng: random.Random, gl_account: str) -> str:
    if rng.random() < INCONSISTENT_SHARE:
        return rng.choice([other for other in OTHER_ACCOUNTS if other != gl_account])
    return gl_account
