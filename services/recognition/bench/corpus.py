"""A synthetic invoice corpus with known truth, for the recognition benchmark and tests.

Renders invoices and credit notes with reportlab in seven visibly different layouts (supplier
header left, right or centred; customer block labelled or in the envelope window; meta data as
label/value lists, a boxed grid or a title line; items as a table or a dotted list; totals as a
column, a grid or a breakdown table; payment details in a block, a sentence or only in the
footer), in Dutch, French and English, for Belgian and other EU suppliers. VAT numbers and
IBANs carry valid check digits (python-stdnum, schwifty), structured communications (OGM) and
RF references too. A share of the documents is rasterised like a scan (slight rotation, blur,
speckle, grey paper) into image-only PDFs, PNG, JPEG and TIFF files that need OCR.

Everything is drawn from a seeded random generator and reportlab's invariant mode, so the same
seed gives the same files. Usage:

    uv run python services/recognition/bench/corpus.py --count 60 --out /tmp/corpus

writes the documents and `truth.json` (expected fields and lines per document). The truth is
what a careful accountant reads off the page: amounts of a credit note are positive, a due
date printed as "payment within 30 days" is the invoice date plus 30 days, a BIC that is not
printed is the bank's BIC from the IBAN.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import struct
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, ClassVar

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageFilter
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from schwifty import IBAN
from stdnum.eu import vat as eu_vat

__all__ = [
    "LAYOUTS",
    "InvoiceSpec",
    "generate_corpus",
    "random_spec",
    "rasterise",
    "render_pdf",
]

PAGE_WIDTH, PAGE_HEIGHT = A4
CENT = Decimal("0.01")
LAYOUTS = ("classic", "modern", "grid", "mono", "footer", "foreign", "letter", "flow")
LANGUAGES = ("nl", "fr", "en")
SCAN_FORMATS = ("pdf", "png", "jpeg", "tiff")

# --- vocabulary -------------------------------------------------------------------------------

LABELS: dict[str, dict[str, list[str]]] = {
    "nl": {
        "title": ["FACTUUR", "Factuur"],
        "title_credit": ["CREDITNOTA", "Creditnota"],
        "number": ["Factuurnummer", "Factuur nr.", "Factuurnr.", "Nummer"],
        "number_credit": ["Creditnotanummer", "Creditnota nr."],
        "date": ["Factuurdatum", "Datum"],
        "date_credit": ["Datum", "Creditnotadatum"],
        "due": ["Vervaldatum", "Vervaldag", "Te betalen vóór"],
        "customer": ["Klant", "Factuur aan", "Gefactureerd aan"],
        "customer_vat": ["BTW klant", "Uw btw-nummer"],
        "vat_id": ["BTW", "BTW-nr.", "Ondernemingsnummer"],
        "customer_no": ["Klantnummer"],
        "supplier_heading": ["Leverancier", "Van"],
        "customer_heading": ["Klant", "Aan"],
        "delivery": ["Leveringsdatum"],
        "customer_account": ["Uw rekeningnummer", "Domiciliëring op"],
        "discount": ["Korting"],
        "order": ["Uw referentie", "Bestelbon"],
        "h_desc": ["Omschrijving", "Beschrijving"],
        "h_qty": ["Aantal", "Hoeveelheid"],
        "h_price": ["Eenheidsprijs", "Prijs"],
        "h_vat": ["BTW %", "BTW"],
        "h_amount": ["Bedrag", "Totaal"],
        "excl": ["Totaal excl. btw", "Subtotaal", "Maatstaf van heffing", "Totaal exclusief BTW"],
        "vat_line": ["BTW {rate}%"],
        "vat_total": ["Totaal BTW", "BTW-bedrag"],
        "incl": ["Totaal incl. btw", "Te betalen", "Totaal te betalen"],
        "iban": ["IBAN", "Rekeningnummer", "Bankrekening"],
        "bic": ["BIC"],
        "reference": ["Gestructureerde mededeling", "Mededeling"],
        "rate": ["Tarief"],
        "base": ["Maatstaf"],
        "vat_amount": ["BTW"],
        "payment_heading": ["Betalingsgegevens"],
        "reverse": ["BTW verlegd - art. 51 §2 W.BTW"],
        "exempt": ["Vrijgesteld van btw"],
        "terms": ["Betaling binnen {days} dagen na factuurdatum."],
        "pay_sentence": [
            "Gelieve het bedrag van {amount} te betalen vóór {due} op rekening {iban} met mededeling {ref}.",
        ],
        "pay_sentence_noref": [
            "Gelieve het bedrag van {amount} te betalen vóór {due} op rekening {iban}."
        ],
        "subject": ["Betreft: factuur {number}"],
        "subject_credit": ["Betreft: creditnota {number}"],
        "greeting": ["Geachte klant,"],
        "intro": ["Hierbij ontvangt u onze factuur voor de volgende prestaties."],
        "closing": ["Met vriendelijke groeten,"],
        "phone": ["Tel."],
        "currency": ["Valuta"],
        "page": ["Pagina {n}/{total}"],
        "thanks": ["Bedankt voor uw vertrouwen."],
    },
    "fr": {
        "title": ["FACTURE", "Facture"],
        "title_credit": ["NOTE DE CRÉDIT", "Note de crédit"],
        "number": ["N° de facture", "Facture n°", "Numéro de facture"],
        "number_credit": ["N° de la note de crédit", "Note de crédit n°"],
        "date": ["Date de facture", "Date"],
        "date_credit": ["Date"],
        "due": ["Échéance", "Date d'échéance", "À payer avant le"],
        "customer": ["Client", "Facturé à", "Destinataire"],
        "customer_vat": ["TVA client", "N° TVA client"],
        "vat_id": ["TVA", "N° TVA", "Numéro d'entreprise"],
        "customer_no": ["N° client"],
        "supplier_heading": ["Fournisseur", "De"],
        "customer_heading": ["Client", "À"],
        "delivery": ["Date de livraison"],
        "customer_account": ["Votre compte", "Domiciliation sur"],
        "discount": ["Remise"],
        "order": ["Votre référence", "Bon de commande"],
        "h_desc": ["Description", "Désignation"],
        "h_qty": ["Quantité", "Qté"],
        "h_price": ["Prix unitaire", "P.U."],
        "h_vat": ["TVA %", "Taux"],
        "h_amount": ["Montant", "Total HT"],
        "excl": ["Total HTVA", "Total HT", "Sous-total", "Base imposable"],
        "vat_line": ["TVA {rate} %"],
        "vat_total": ["Total TVA", "Montant TVA"],
        "incl": ["Total TVAC", "Total TTC", "Net à payer", "Montant total"],
        "iban": ["IBAN", "Compte"],
        "bic": ["BIC"],
        "reference": ["Communication structurée", "Communication"],
        "rate": ["Taux"],
        "base": ["Base"],
        "vat_amount": ["TVA"],
        "payment_heading": ["Modalités de paiement"],
        "reverse": ["Autoliquidation - art. 51 §2 C.TVA"],
        "exempt": ["Exonération de TVA"],
        "terms": ["Paiement à {days} jours date de facture."],
        "pay_sentence": [
            "Merci de verser {amount} avant le {due} sur le compte {iban} avec la communication {ref}.",
        ],
        "pay_sentence_noref": ["Merci de verser {amount} avant le {due} sur le compte {iban}."],
        "subject": ["Objet : facture n° {number}"],
        "subject_credit": ["Objet : note de crédit n° {number}"],
        "greeting": ["Madame, Monsieur,"],
        "intro": ["Veuillez trouver ci-dessous notre facture pour les prestations suivantes."],
        "closing": ["Veuillez agréer nos salutations distinguées."],
        "phone": ["Tél."],
        "currency": ["Devise"],
        "page": ["Page {n}/{total}"],
        "thanks": ["Merci pour votre confiance."],
    },
    "en": {
        "title": ["INVOICE", "Invoice"],
        "title_credit": ["CREDIT NOTE", "Credit note"],
        "number": ["Invoice number", "Invoice No.", "Invoice #"],
        "number_credit": ["Credit note number", "Credit note No."],
        "date": ["Invoice date", "Date of issue", "Date"],
        "date_credit": ["Date of issue", "Date"],
        "due": ["Due date", "Payment due", "Pay by"],
        "customer": ["Bill to", "Customer", "Invoice to", "Billed to"],
        "customer_vat": ["Customer VAT", "Your VAT number"],
        "vat_id": ["VAT", "VAT No.", "VAT number"],
        "customer_no": ["Customer number"],
        "supplier_heading": ["Supplier", "From"],
        "customer_heading": ["Customer", "To"],
        "delivery": ["Delivery date"],
        "customer_account": ["Your account", "Direct debit from"],
        "discount": ["Discount"],
        "order": ["Your reference", "PO number"],
        "h_desc": ["Description", "Item"],
        "h_qty": ["Qty", "Quantity"],
        "h_price": ["Unit price", "Price"],
        "h_vat": ["VAT %", "VAT"],
        "h_amount": ["Amount", "Total"],
        "excl": ["Subtotal", "Total excl. VAT", "Net amount"],
        "vat_line": ["VAT {rate}%"],
        "vat_total": ["Total VAT", "VAT amount"],
        "incl": ["Total", "Total incl. VAT", "Amount due", "Grand total"],
        "iban": ["IBAN", "Bank account"],
        "bic": ["BIC", "SWIFT/BIC"],
        "reference": ["Payment reference", "Structured communication", "Reference"],
        "rate": ["Rate"],
        "base": ["Taxable amount"],
        "vat_amount": ["VAT"],
        "payment_heading": ["Payment details"],
        "reverse": ["VAT 0% - reverse charge (art. 196 Directive 2006/112/EC)"],
        "exempt": ["VAT exempt"],
        "terms": ["Payment within {days} days of the invoice date."],
        "pay_sentence": [
            "Please pay {amount} before {due} to account {iban} quoting {ref}.",
        ],
        "pay_sentence_noref": ["Please pay {amount} before {due} to account {iban}."],
        "subject": ["Subject: invoice {number}"],
        "subject_credit": ["Subject: credit note {number}"],
        "greeting": ["Dear customer,"],
        "intro": ["Please find below our invoice for the following services."],
        "closing": ["Kind regards,"],
        "phone": ["Phone"],
        "currency": ["Currency"],
        "page": ["Page {n} of {total}"],
        "thanks": ["Thank you for your business."],
    },
}

MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}

MONTH_ABBREVIATIONS = {
    "nl": "jan. feb. mrt. apr. mei jun. jul. aug. sep. okt. nov. dec.",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
}

ITEMS = {
    "nl": [
        "Onderhoud verwarmingsketel", "Consultancy (uren)", "Drukwerk folders A5",
        "Bureaustoel ergonomisch", "Koffiebonen 1 kg", "Transportkosten",
        "Licentie boekhoudsoftware", "Schoonmaak kantoren", "Kopieerpapier A4 (doos)",
        "Herstelling dakgoot", "Installatie netwerk", "Webhosting jaarabonnement",
        "Vertaling NL-FR", "Broodjes en gebak", "Verlengkabel 10 m", "Fotografie evenement",
        "Onderhoud tuin", "Huur projector", "Inktpatronen zwart", "Opleiding Excel",
    ],
    "fr": [
        "Entretien chaudière", "Conseil (heures)", "Impression dépliants A5",
        "Chaise de bureau ergonomique", "Café en grains 1 kg", "Frais de transport",
        "Licence logiciel comptable", "Nettoyage bureaux", "Papier copieur A4 (boîte)",
        "Réparation gouttière", "Installation réseau", "Hébergement web annuel",
        "Traduction FR-NL", "Sandwichs et pâtisseries", "Rallonge électrique 10 m",
        "Photographie événement", "Entretien jardin", "Location projecteur",
        "Cartouches d'encre noire", "Formation Excel",
    ],
    "en": [
        "Boiler maintenance", "Consulting (hours)", "Printing leaflets A5",
        "Ergonomic office chair", "Coffee beans 1 kg", "Shipping costs",
        "Accounting software licence", "Office cleaning", "Copier paper A4 (box)",
        "Gutter repair", "Network installation", "Annual web hosting",
        "Translation EN-FR", "Sandwiches and pastries", "Extension cable 10 m",
        "Event photography", "Garden maintenance", "Projector rental",
        "Black ink cartridges", "Excel training",
    ],
}  # fmt: skip

NAME_PARTS = {
    "BE-nl": (
        ["Bakkerij", "Drukkerij", "Garage", "Schrijnwerkerij", "Installatiebedrijf", "Bureau",
         "Transport", "Brouwerij", "Dakwerken", "Elektro"],
        ["Peeters", "Janssens", "Maes", "Claes", "Wouters", "De Smet", "Vermeulen", "Goossens",
         "Van den Broeck", "Willems", "De Kempen", "Noord"],
        ["BV", "NV", "BV", "CommV", "VOF", ""],
    ),
    "BE-fr": (
        ["Boulangerie", "Imprimerie", "Garage", "Menuiserie", "Électricité", "Cabinet",
         "Transports", "Brasserie", "Toitures", "Atelier"],
        ["Dubois", "Lambert", "Dupont", "Martin", "Lejeune", "Renard", "Fontaine", "Leroy",
         "Mertens", "Simon", "du Val", "Rosa"],
        ["SRL", "SA", "SRL", "SC", "ASBL", ""],
    ),
    "NL": (["Techniek", "Logistiek", "Installatie", "Media", "Kantoor"],
           ["Van Dijk", "De Vries", "Bakker", "Visser", "Smit", "Mulder"], ["B.V.", "B.V."]),
    "FR": (["Papeterie", "Société", "Éditions", "Conseil", "Transports"],
           ["Moreau", "Girard", "Bernard", "Petit", "Roux"], ["SAS", "SARL", "SA"]),
    "DE": (["Bürotechnik", "Elektro", "Maschinenbau", "Druckerei", "Software"],
           ["Müller", "Schneider", "Fischer", "Weber", "Becker"], ["GmbH", "GmbH", "AG"]),
    "LU": (["Consulting", "Services", "Digital"], ["Lux", "Moselle", "Kirchberg"], ["S.à r.l.", "S.A."]),
    "IE": (["Software", "Analytics", "Systems"], ["Greenfield", "Liffey", "Shannon"], ["Ltd", "Ltd"]),
    "AT": (["Holzbau", "Technik"], ["Gruber", "Huber", "Wagner"], ["GmbH"]),
}  # fmt: skip

ADDRESSES = {
    "BE-nl": (["Kerkstraat", "Stationsstraat", "Molenweg", "Dorpsplein", "Industrielaan",
               "Nijverheidsstraat", "Kapelsesteenweg", "Brugse Baan"],
              ["2000 Antwerpen", "9000 Gent", "3000 Leuven", "8000 Brugge", "2800 Mechelen",
               "3500 Hasselt", "2300 Turnhout", "9300 Aalst"]),
    "BE-fr": (["Rue de la Station", "Avenue Louise", "Chaussée de Namur", "Rue du Moulin",
               "Boulevard d'Avroy", "Place Saint-Lambert"],
              ["1000 Bruxelles", "4000 Liège", "5000 Namur", "6000 Charleroi", "7000 Mons",
               "1300 Wavre"]),
    "NL": (["Keizersgracht", "Stationsweg", "Industrieweg"], ["1015 CX Amsterdam", "3011 AD Rotterdam", "5611 AB Eindhoven"]),
    "FR": (["Rue de Rivoli", "Avenue Jean Jaurès", "Rue Nationale"], ["75001 Paris", "59000 Lille", "69002 Lyon"]),
    "DE": (["Hauptstraße", "Bahnhofstraße", "Industriestraße"], ["10115 Berlin", "50667 Köln", "52062 Aachen"]),
    "LU": (["Rue de l'Alzette", "Boulevard Royal"], ["L-1140 Luxembourg", "L-4001 Esch-sur-Alzette"]),
    "IE": (["Grafton Street", "Dame Street"], ["Dublin 2", "Dublin 8"]),
    "AT": (["Mariahilfer Straße", "Landstraße"], ["1060 Wien", "4020 Linz"]),
}  # fmt: skip

COUNTRY_NAMES = {"BE": "België", "NL": "Nederland", "FR": "France", "DE": "Deutschland",
                 "LU": "Luxembourg", "IE": "Ireland", "AT": "Österreich"}  # fmt: skip

BANKS = {
    "BE": ["001", "068", "363", "734"],
    "NL": ["INGB", "ABNA", "RABO"],
    "DE": ["37040044", "10070000"],
    "FR": ["30004"],
    "LU": ["001"],
    "IE": ["AIBK"],
    "AT": ["12000"],
}

FOREIGN_RATES = {
    "NL": [[21], [21, 9]],
    "FR": [[20], [20, 10], [20, 5.5]],
    "DE": [[19], [19, 7]],
    "LU": [[17], [17, 8]],
    "IE": [[23], [23, 13.5]],
    "AT": [[20], [20, 10]],
}
BE_RATES = [[21], [21], [21, 6], [21, 12], [21, 12, 6], [6], [21, 0], [0]]

# --- generated values -------------------------------------------------------------------------


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def make_vat(rng: random.Random, country: str) -> str:
    """A VAT number with valid check digits, compact (e.g. BE0123456749)."""
    if country == "BE":
        base = "0" + str(rng.randint(2, 9)) + _digits(rng, 6)
        return f"BE{base}{97 - int(base) % 97:02d}"
    makers: dict[str, Callable[[], str]] = {
        "NL": lambda: f"NL{_digits(rng, 9)}B0{rng.randint(1, 3)}",
        "FR": lambda: f"FR{_digits(rng, 2)}{rng.randint(1, 9)}{_digits(rng, 8)}",
        "DE": lambda: f"DE{rng.randint(1, 9)}{_digits(rng, 8)}",
        "LU": lambda: f"LU{rng.randint(1, 9)}{_digits(rng, 7)}",
        "IE": lambda: f"IE{rng.randint(1, 9)}{_digits(rng, 6)}{rng.choice('ABCDEFGHW')}",
        "AT": lambda: f"ATU{rng.randint(1, 9)}{_digits(rng, 7)}",
    }
    while True:
        candidate = makers[country]()
        if eu_vat.is_valid(candidate):
            return candidate


def display_vat(rng: random.Random, vat: str) -> str:
    if vat.startswith("BE"):
        digits = vat[2:]
        return rng.choice(
            [
                f"BE {digits[:4]}.{digits[4:7]}.{digits[7:]}",
                f"BE{digits}",
                f"BE {digits[:4]} {digits[4:7]} {digits[7:]}",
                f"BE{digits[:4]}.{digits[4:7]}.{digits[7:]}",
            ]
        )
    if vat.startswith("FR") and rng.random() < 0.5:
        return f"FR {vat[2:4]} {vat[4:7]} {vat[7:10]} {vat[10:]}"
    return vat


def make_iban(rng: random.Random, country: str) -> IBAN:
    bank = rng.choice(BANKS[country])
    length = {"BE": 7, "NL": 10, "DE": 10, "FR": 11, "LU": 13, "IE": 8, "AT": 11}[country]
    return IBAN.generate(country, bank_code=bank, account_code=_digits(rng, length))


def make_ogm(rng: random.Random) -> str:
    base = int(_digits(rng, 10))
    check = base % 97 or 97
    digits = f"{base:010d}{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def make_rf(rng: random.Random) -> str:
    reference = _digits(rng, rng.randint(8, 14))
    numeric = "".join(str(int(ch, 36)) for ch in reference + "RF00")
    check = 98 - int(numeric) % 97
    return f"RF{check:02d}{reference}"


def group4(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


# --- the invoice model ------------------------------------------------------------------------


@dataclass
class Party:
    name: str
    street: str
    town: str
    country: str
    vat: str | None
    vat_display: str | None
    phone: str
    email: str


@dataclass
class Item:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal

    @property
    def net(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP)


@dataclass
class InvoiceSpec:
    """One document: what is printed, how, and what a reader must find."""

    index: int
    layout: str
    language: str
    credit: bool
    supplier: Party
    customer: Party
    number: str
    issue: date
    due: date
    due_printed: bool
    currency: str
    items: list[Item]
    iban: str
    bic: str | None
    bic_printed: bool
    payment_reference: str | None  # canonical (+++...+++ or compact RF)
    reference_display: str | None
    amount_style: str
    date_style: str
    font: str
    negative_credit: bool
    reverse_charge: bool
    customer_vat_printed: bool
    choices: dict[str, str] = field(default_factory=dict)
    rng_seed: int = 0
    extras: list[tuple[str, str]] = field(default_factory=list)
    """Further meta data (order reference, delivery date, the customer's own account)."""

    # -- amounts --
    def breakdown(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        rates: dict[Decimal, Decimal] = {}
        for item in self.items:
            rates[item.vat_rate] = rates.get(item.vat_rate, Decimal(0)) + item.net
        return [
            (rate, base, (base * rate / 100).quantize(CENT, ROUND_HALF_UP))
            for rate, base in sorted(rates.items(), reverse=True)
        ]

    @property
    def total_excl(self) -> Decimal:
        return sum((item.net for item in self.items), Decimal(0))

    @property
    def total_vat(self) -> Decimal:
        return sum((vat for _, _, vat in self.breakdown()), Decimal(0))

    @property
    def total_incl(self) -> Decimal:
        return self.total_excl + self.total_vat

    def truth(self) -> dict[str, Any]:
        return {
            "document_type": "credit_note" if self.credit else "invoice",
            "supplier_name": self.supplier.name,
            "supplier_vat": self.supplier.vat,
            "customer_name": self.customer.name,
            "customer_vat": self.customer.vat if self.customer_vat_printed else None,
            "invoice_number": self.number,
            "issue_date": self.issue.isoformat(),
            "due_date": self.due.isoformat(),
            "currency": self.currency,
            "total_excl_vat": str(self.total_excl),
            "total_vat": str(self.total_vat),
            "total_incl_vat": str(self.total_incl),
            "iban": self.iban,
            "bic": self.bic,
            "payment_reference": self.payment_reference,
        }

    def truth_lines(self) -> list[dict[str, str]]:
        return [
            {
                "description": item.description,
                "quantity": str(item.quantity),
                "unit_price": str(item.unit_price),
                "net_amount": str(item.net),
                "vat_rate": str(item.vat_rate.normalize()),
            }
            for item in self.items
        ]

    # -- formatting --
    def money(self, value: Decimal, *, signed: bool = True, symbol: bool = True) -> str:
        if self.credit and self.negative_credit and signed:
            value = -value
        sign = "-" if value < 0 else ""
        value = abs(value)
        integer, decimals = f"{value:.2f}".split(".")
        groups = f"{int(integer):,}"
        style = self.amount_style
        if style == "en":
            number = f"{groups}.{decimals}"
        elif style == "fr":
            number = f"{groups.replace(',', ' ')},{decimals}"
        elif style == "plain":
            number = f"{integer},{decimals}"
        else:
            number = f"{groups.replace(',', '.')},{decimals}"
        code = self.currency
        if not symbol or self.choices.get("currency_display") == "none":
            return f"{sign}{number}"
        if code == "EUR" and self.choices.get("currency_display") == "symbol_before":
            return f"{sign}€ {number}"
        if code == "EUR" and self.choices.get("currency_display") == "symbol_after":
            return f"{sign}{number} €"
        if self.choices.get("currency_display") == "code_before":
            return f"{sign}{code} {number}"
        return f"{sign}{number} {code}"

    def day(self, value: date) -> str:
        style = self.date_style
        if style == "slash":
            return value.strftime("%d/%m/%Y")
        if style == "dash":
            return value.strftime("%d-%m-%Y")
        if style == "dot":
            return value.strftime("%d.%m.%Y")
        if style == "iso":
            return value.isoformat()
        month = MONTHS[self.language].split()[value.month - 1]
        if style == "abbr":
            short = MONTH_ABBREVIATIONS[self.language].split()[value.month - 1]
            return f"{value.day} {short} {value.year}"
        if style == "us_words":
            return f"{month} {value.day}, {value.year}"
        return f"{value.day} {month} {value.year}"

    def label(self, key: str) -> str:
        """The wording chosen for this document (stable per key)."""
        if key not in self.choices:
            rng = random.Random(f"{self.rng_seed}-{key}")
            self.choices[key] = rng.choice(LABELS[self.language][key])
        return self.choices[key]

    def quantity_text(self, quantity: Decimal) -> str:
        text = f"{quantity.normalize():f}"
        return text.replace(".", ",") if self.amount_style != "en" else text

    def rate_text(self, rate: Decimal) -> str:
        text = f"{rate.normalize():f}"
        return text.replace(".", ",") if self.amount_style != "en" else text


def _party(rng: random.Random, key: str, *, with_vat: bool = True) -> Party:
    country = key.split("-")[0]
    kinds, names, forms = NAME_PARTS[key]
    form = rng.choice(forms)
    name = f"{rng.choice(kinds)} {rng.choice(names)}"
    if form:
        name = f"{name} {form}"
    streets, towns = ADDRESSES[key]
    vat = make_vat(rng, country) if with_vat else None
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:14]
    return Party(
        name=name,
        street=f"{rng.choice(streets)} {rng.randint(1, 180)}",
        town=rng.choice(towns),
        country=country,
        vat=vat,
        vat_display=display_vat(rng, vat) if vat else None,
        phone=f"+32 {rng.randint(2, 9)} {_digits(rng, 3)} {_digits(rng, 2)} {_digits(rng, 2)}",
        email=f"info@{slug}.{country.lower()}",
    )


def random_spec(
    rng: random.Random,
    index: int,
    *,
    layout: str | None = None,
    language: str | None = None,
    credit: bool | None = None,
    reference: str | None = None,
    item_count: int | None = None,
) -> InvoiceSpec:
    """A random but realistic document; keyword arguments pin choices (for tests).

    `reference` is "ogm", "rf" or "none".
    """
    layout = layout or LAYOUTS[index % len(LAYOUTS)]
    if layout == "foreign":
        language = "en"
        supplier_key = rng.choice(["NL", "FR", "DE", "LU", "IE", "AT"])
    else:
        language = language or rng.choice(LANGUAGES)
        supplier_key = {"nl": "BE-nl", "fr": "BE-fr"}.get(language) or rng.choice(
            ["BE-nl", "BE-fr"]
        )
        if rng.random() < 0.15 and layout not in ("mono", "letter"):
            supplier_key = rng.choice(["NL", "FR", "DE", "LU"])
    supplier = _party(rng, supplier_key)
    customer_key = rng.choice(["BE-nl", "BE-fr", "BE-nl", "BE-fr", "NL", "FR", "LU"])
    customer = _party(rng, customer_key)
    country = supplier.country
    credit = rng.random() < 0.18 if credit is None else credit

    reverse_charge = False
    if country == "BE":
        rates = rng.choice(BE_RATES)
    elif rng.random() < 0.5 and customer.country != country:
        rates, reverse_charge = [0], True
    else:
        rates = rng.choice(FOREIGN_RATES[country])
    rates_dec = [Decimal(str(r)) for r in rates]

    count = item_count or rng.choice([1, 2, 3, 3, 4, 5, 6, 8])
    descriptions = rng.sample(ITEMS[language], k=min(count, len(ITEMS[language])))
    while len(descriptions) < count:
        descriptions.append(f"{rng.choice(ITEMS[language])} ({len(descriptions) + 1})")
    items = []
    for position, description in enumerate(descriptions):
        quantity = Decimal(rng.choice(["1", "1", "2", "3", "5", "10", "12", "1.5", "2.5", "24"]))
        price = Decimal(rng.randint(150, 250000)) / 100
        if rng.random() < 0.3:
            price = Decimal(rng.randint(2, 900))
        rate = rates_dec[position % len(rates_dec)]
        items.append(Item(description, quantity, price.quantize(CENT), rate))
    if rng.random() < 0.15:
        # A commercial discount as a negative line, as many packages print it.
        subtotal = sum((item.net for item in items), Decimal(0))
        discount = (subtotal * Decimal("0.05")).quantize(CENT, ROUND_HALF_UP)
        word = {"nl": "Korting", "fr": "Remise", "en": "Discount"}[language]
        items.append(Item(f"{word} 5%", Decimal(1), -discount, rates_dec[0]))

    year = rng.choice([2025, 2026])
    issue = date(year, rng.randint(1, 12), rng.randint(1, 28))
    terms = rng.choice([14, 30, 30, 30, 60])
    due = issue + timedelta(days=terms)
    number_patterns = [
        lambda: f"{year}-{rng.randint(1, 999):04d}",
        lambda: f"F{year}/{rng.randint(1, 9999):04d}",
        lambda: f"INV-{rng.randint(10000, 99999)}",
        lambda: f"FA-{year % 100}-{rng.randint(1, 99999):05d}",
        lambda: f"{year % 100}/{rng.randint(1, 9999):04d}",
        lambda: f"{year}{rng.randint(1, 9999):04d}",
        lambda: f"V{year % 100}-{rng.randint(1, 999)}",
    ]
    number = rng.choice(number_patterns)()
    if credit:
        number = rng.choice(
            [f"CN-{year}-{rng.randint(1, 999):03d}", f"C{year}/{rng.randint(1, 999):03d}", number]
        )

    iban = make_iban(rng, country)
    bic = iban.bic.compact if iban.bic else None
    if reference is None:
        roll = rng.random()
        reference = "ogm" if country == "BE" and roll < 0.6 else "rf" if roll < 0.8 else "none"
    if reference == "ogm":
        ogm = make_ogm(rng)
        payment_reference, reference_display = (
            ogm,
            ogm if rng.random() < 0.85 else ogm.replace("+", "*"),
        )
    elif reference == "rf":
        rf = make_rf(rng)
        payment_reference, reference_display = rf, group4(rf)
    else:
        payment_reference = reference_display = None

    if layout == "foreign" or (language == "en" and rng.random() < 0.6):
        amount_style = "en"
    elif language == "fr":
        amount_style = rng.choice(["fr", "be", "be"])
    else:
        amount_style = rng.choice(["be", "be", "plain"])
    if layout == "foreign":
        date_style = rng.choice(["words", "words", "iso", "us_words"])
    else:
        date_style = rng.choice(["slash", "slash", "dash", "dot", "words", "abbr"])
    currency = "EUR"
    if rng.random() < 0.08 and layout in ("modern", "foreign", "classic"):
        currency = rng.choice(["USD", "GBP", "CHF"])
    spec = InvoiceSpec(
        index=index,
        layout=layout,
        language=language,
        credit=credit,
        supplier=supplier,
        customer=customer,
        number=number,
        issue=issue,
        due=due,
        due_printed=not (layout == "mono" and rng.random() < 0.4),
        currency=currency,
        items=items,
        iban=iban.compact,
        bic=bic,
        bic_printed=rng.random() < 0.8,
        payment_reference=payment_reference,
        reference_display=reference_display,
        amount_style=amount_style,
        date_style=date_style,
        font=rng.choice(["Helvetica", "Helvetica", "Times-Roman"])
        if layout != "mono"
        else "Courier",
        negative_credit=credit and layout in ("modern", "foreign") and rng.random() < 0.7,
        reverse_charge=reverse_charge,
        customer_vat_printed=rng.random() < 0.85,
        rng_seed=rng.randint(0, 10**9),
    )
    spec.choices["currency_display"] = (
        rng.choice(["symbol_before", "symbol_after", "code_after", "none"])
        if currency == "EUR"
        else rng.choice(["code_before", "code_after"])
    )
    spec.choices["terms_days"] = str(terms)
    if rng.random() < 0.35:
        spec.extras.append(
            (
                "order",
                rng.choice([f"PO-45000{_digits(rng, 5)}", f"{year}/BB/{rng.randint(1, 999)}"]),
            )
        )
    if rng.random() < 0.3:
        spec.extras.append(("delivery", spec.day(issue - timedelta(days=rng.randint(1, 20)))))
    if rng.random() < 0.12 and customer.country == "BE":
        spec.extras.append(("customer_account", group4(make_iban(rng, "BE").compact)))
    return spec


# --- drawing ----------------------------------------------------------------------------------

GREY = Color(0.93, 0.93, 0.93)
DARK = Color(0.25, 0.25, 0.3)


class Pen:
    """reportlab with y measured from the top of the page, and the document's fonts."""

    BOLD: ClassVar[dict[str, str]] = {
        "Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"
    }  # fmt: skip

    def __init__(self, canvas: Canvas, spec: InvoiceSpec) -> None:
        self.c = canvas
        self.spec = spec
        self.regular = spec.font
        self.bold = {
            "Helvetica": "Helvetica-Bold",
            "Times-Roman": "Times-Bold",
            "Courier": "Courier-Bold",
        }[spec.font]

    def text(self, x: float, y: float, value: str, size: float = 9.5, *, bold: bool = False,
             align: str = "left", color: Color = black) -> None:  # fmt: skip
        self.c.setFillColor(color)
        self.c.setFont(self.bold if bold else self.regular, size)
        top = PAGE_HEIGHT - y
        if align == "right":
            self.c.drawRightString(x, top, value)
        elif align == "centre":
            self.c.drawCentredString(x, top, value)
        else:
            self.c.drawString(x, top, value)
        self.c.setFillColor(black)

    def width(self, value: str, size: float = 9.5, *, bold: bool = False) -> float:
        return self.c.stringWidth(value, self.bold if bold else self.regular, size)

    def hline(self, x0: float, x1: float, y: float, width: float = 0.6) -> None:
        self.c.setLineWidth(width)
        self.c.line(x0, PAGE_HEIGHT - y, x1, PAGE_HEIGHT - y)

    def rect(self, x: float, y: float, w: float, h: float, *, fill: Color | None = None,
             stroke: bool = True) -> None:  # fmt: skip
        if fill is not None:
            self.c.setFillColor(fill)
        self.c.rect(x, PAGE_HEIGHT - y - h, w, h, stroke=1 if stroke else 0, fill=1 if fill else 0)
        self.c.setFillColor(black)


def _title(spec: InvoiceSpec) -> str:
    return spec.label("title_credit" if spec.credit else "title")


def _number_label(spec: InvoiceSpec) -> str:
    return spec.label("number_credit" if spec.credit else "number")


def _date_label(spec: InvoiceSpec) -> str:
    return spec.label("date_credit" if spec.credit else "date")


def _customer_lines(spec: InvoiceSpec, *, vat: bool = True) -> list[str]:
    c = spec.customer
    lines = [c.name, c.street, c.town]
    if c.country != "BE":
        lines.append(COUNTRY_NAMES[c.country])
    if vat and spec.customer_vat_printed and c.vat_display:
        lines.append(f"{spec.label('vat_id')}: {c.vat_display}")
    return lines


def _supplier_vat_line(spec: InvoiceSpec) -> str:
    return f"{spec.label('vat_id')} {spec.supplier.vat_display}"


def _meta_pairs(spec: InvoiceSpec) -> list[tuple[str, str]]:
    pairs = [(_number_label(spec), spec.number), (_date_label(spec), spec.day(spec.issue))]
    if spec.due_printed:
        pairs.append((spec.label("due"), spec.day(spec.due)))
    for key, value in spec.extras:
        pairs.append((spec.label(key), value))
    return pairs


def _item_columns(spec: InvoiceSpec, *, with_vat: bool) -> list[tuple[str, float, str]]:
    """(header, x, alignment) for the items table."""
    columns = [(spec.label("h_desc"), 52, "left"), (spec.label("h_qty"), 335, "right"),
               (spec.label("h_price"), 415, "right")]  # fmt: skip
    if with_vat:
        columns.append((spec.label("h_vat"), 470, "right"))
    columns.append((spec.label("h_amount"), 543, "right"))
    return columns


def _draw_items_table(pen: Pen, spec: InvoiceSpec, y: float, *, with_vat: bool, shaded: bool,
                      boxed: bool, rows_per_page: int = 26, first_page_rows: int = 22) -> float:  # fmt: skip
    """Draw the items (continuing on new pages when needed); returns the y below the table."""
    columns = _item_columns(spec, with_vat=with_vat)

    def header(at: float) -> float:
        if shaded:
            pen.rect(48, at - 11, 499, 16, fill=GREY, stroke=False)
        for title, x, align in columns:
            pen.text(x, at, title, 8.5, bold=True, align=align)
        pen.hline(48, 547, at + 5)
        return at + 18

    y = header(y)
    shown_on_page = 0
    limit = first_page_rows
    for item in spec.items:
        if shown_on_page >= limit:
            pen.c.showPage()
            y = header(60)
            shown_on_page, limit = 0, rows_per_page
        values = [item.description, spec.quantity_text(item.quantity),
                  spec.money(item.unit_price, symbol=False)]  # fmt: skip
        if with_vat:
            values.append(f"{spec.rate_text(item.vat_rate)}%")
        values.append(spec.money(item.net, symbol=False))
        for (_, x, align), value in zip(columns, values, strict=True):
            pen.text(x, y, value, 9, align=align)
        if boxed:
            pen.hline(48, 547, y + 4, 0.3)
        y += 15
        shown_on_page += 1
    pen.hline(48, 547, y - 8)
    return y + 6


def _draw_totals_column(pen: Pen, spec: InvoiceSpec, y: float, *, label_x: float = 340,
                        with_base: bool = False) -> float:  # fmt: skip
    pen.text(label_x, y, spec.label("excl"), 9.5)
    pen.text(543, y, spec.money(spec.total_excl), 9.5, align="right")
    y += 15
    for rate, base, vat in spec.breakdown():
        label = spec.label("vat_line").format(rate=spec.rate_text(rate))
        if with_base:
            label += f"  ({spec.money(base, symbol=False)})"
        pen.text(label_x, y, label, 9.5)
        pen.text(543, y, spec.money(vat), 9.5, align="right")
        y += 15
    pen.hline(label_x, 547, y - 9)
    pen.text(label_x, y + 2, spec.label("incl"), 11, bold=True)
    pen.text(543, y + 2, spec.money(spec.total_incl), 11, bold=True, align="right")
    return y + 24


def _vat_note(spec: InvoiceSpec) -> str | None:
    if spec.reverse_charge:
        return spec.label("reverse")
    if all(item.vat_rate == 0 for item in spec.items):
        return spec.label("exempt")
    return None


def _footer_line(spec: InvoiceSpec, *, bank: bool = True) -> str:
    s = spec.supplier
    parts = [s.name, f"{s.street}, {s.town}", _supplier_vat_line(spec)]
    if bank:
        parts.append(f"IBAN {group4(spec.iban)}")
        if spec.bic_printed and spec.bic:
            parts.append(f"BIC {spec.bic}")
    return " · ".join(parts)


def _payment_sentence(spec: InvoiceSpec) -> str:
    values = {
        "amount": spec.money(spec.total_incl, signed=False),
        "due": spec.day(spec.due),
        "iban": group4(spec.iban),
        "ref": spec.reference_display or "",
    }
    key = "pay_sentence" if spec.reference_display else "pay_sentence_noref"
    return spec.label(key).format(**values)


def _wrap(pen: Pen, text: str, width: float, size: float) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if pen.width(trial, size) > width and current:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


# --- the seven layouts ------------------------------------------------------------------------


def layout_classic(pen: Pen, spec: InvoiceSpec) -> None:
    s = spec.supplier
    pen.text(50, 62, s.name, 19, bold=True)
    y = 80
    for line in (
        s.street,
        s.town,
        _supplier_vat_line(spec),
        f"{spec.label('phone')} {s.phone}",
        s.email,
    ):
        pen.text(50, y, line, 9)
        y += 12
    labelled = spec.rng_seed % 2 == 0
    y = 160
    if labelled:
        pen.text(330, y, spec.label("customer"), 8.5, bold=True, color=DARK)
        y += 14
    for position, line in enumerate(_customer_lines(spec)):
        pen.text(330, y, line, 10.5 if position == 0 else 10, bold=position == 0)
        y += 13
    pen.text(50, 262, _title(spec), 16, bold=True)
    y = 285
    pairs = _meta_pairs(spec)
    if spec.rng_seed % 3 == 0:
        pairs.append((spec.label("customer_no"), f"K{spec.rng_seed % 9000 + 1000}"))
    for label, value in pairs:
        pen.text(50, y, label, 9.5)
        pen.text(170, y, value, 9.5)
        y += 13
    if spec.currency != "EUR":
        pen.text(50, y, f"{spec.label('currency')}: {spec.currency}", 9.5)
        y += 13
    y = _draw_items_table(pen, spec, max(y + 25, 360), with_vat=len(spec.breakdown()) > 1,
                          shaded=False, boxed=False)  # fmt: skip
    y = _draw_totals_column(pen, spec, y + 8)
    note = _vat_note(spec)
    if note:
        pen.text(50, y, note, 8.5)
        y += 14
    for line in _wrap(pen, _payment_sentence(spec), 490, 9):
        pen.text(50, y + 6, line, 9)
        y += 12
    pen.hline(50, 545, 800, 0.4)
    pen.text(297, 812, _footer_line(spec), 7, align="centre")


def layout_modern(pen: Pen, spec: InvoiceSpec) -> None:
    s = spec.supplier
    pen.text(545, 70, _title(spec), 24, bold=True, align="right", color=DARK)
    pen.text(50, 58, s.name, 13, bold=True)
    y = 74
    for line in (s.street, s.town, _supplier_vat_line(spec), s.email):
        pen.text(50, y, line, 8.5, color=DARK)
        y += 11
    y = 100
    for label, value in _meta_pairs(spec):
        pen.text(360, y, label, 9, color=DARK)
        pen.text(545, y, value, 9, align="right")
        y += 13
    y = 175
    pen.text(50, y, spec.label("customer").upper(), 8, bold=True, color=DARK)
    y += 14
    for position, line in enumerate(_customer_lines(spec)):
        pen.text(50, y, line, 10, bold=position == 0)
        y += 13
    if spec.currency != "EUR":
        pen.text(360, 175, f"{spec.label('currency')}: {spec.currency}", 9)
    y = _draw_items_table(pen, spec, max(y + 30, 290), with_vat=True, shaded=True, boxed=False)
    y = _draw_totals_column(pen, spec, y + 8, label_x=370)
    note = _vat_note(spec)
    if note:
        pen.text(50, y, note, 8.5)
        y += 16
    pen.text(50, y + 6, spec.label("payment_heading"), 10, bold=True)
    y += 22
    details = [f"IBAN: {group4(spec.iban)}"]
    if spec.bic_printed and spec.bic:
        details.append(f"{spec.label('bic')}: {spec.bic}")
    if spec.reference_display:
        details.append(f"{spec.label('reference')}: {spec.reference_display}")
    details.append(f"{spec.label('due')}: {spec.day(spec.due)}")
    for line in details:
        pen.text(50, y, line, 9)
        y += 12
    pen.text(297, 815, spec.label("thanks"), 8, align="centre", color=DARK)


def layout_grid(pen: Pen, spec: InvoiceSpec) -> None:
    s = spec.supplier
    pen.text(297, 55, s.name, 18, bold=True, align="centre")
    pen.text(297, 72, f"{s.street} · {s.town} · {_supplier_vat_line(spec)}", 8.5, align="centre")
    bank = f"IBAN {group4(spec.iban)}"
    if spec.bic_printed and spec.bic:
        bank += f" · BIC {spec.bic}"
    pen.text(297, 84, bank, 8.5, align="centre")
    pen.hline(50, 545, 94, 1.0)
    y = 125
    pen.text(50, y, spec.label("customer"), 9, bold=True)
    y += 14
    for line in _customer_lines(spec):
        pen.text(50, y, line, 10)
        y += 13
    pen.text(545, 130, _title(spec), 17, bold=True, align="right")
    # boxed meta grid: labels on top, values underneath
    cells = [(_number_label(spec), spec.number), (_date_label(spec), spec.day(spec.issue)),
             (spec.label("due"), spec.day(spec.due)),
             (spec.label("customer_no"), f"C-{spec.rng_seed % 90000 + 10000}")]  # fmt: skip
    grid_y, width = 225, 495 / len(cells)
    for position, (label, value) in enumerate(cells):
        x = 50 + position * width
        pen.rect(x, grid_y, width, 34)
        pen.text(x + 6, grid_y + 12, label, 8, bold=True)
        pen.text(x + 6, grid_y + 27, value, 9.5)
    y = _draw_items_table(pen, spec, 290, with_vat=True, shaded=False, boxed=True)
    # VAT breakdown table (left) and totals (right)
    by = y + 10
    pen.text(50, by, spec.label("rate"), 8.5, bold=True)
    pen.text(160, by, spec.label("base"), 8.5, bold=True, align="right")
    pen.text(230, by, spec.label("vat_amount"), 8.5, bold=True, align="right")
    pen.hline(48, 235, by + 4)
    by += 15
    for rate, base, vat in spec.breakdown():
        pen.text(50, by, f"{spec.rate_text(rate)} %", 9)
        pen.text(160, by, spec.money(base, symbol=False), 9, align="right")
        pen.text(230, by, spec.money(vat, symbol=False), 9, align="right")
        by += 13
    ty = y + 10
    for label, value, bold in ((spec.label("excl"), spec.total_excl, False),
                               (spec.label("vat_total"), spec.total_vat, False),
                               (spec.label("incl"), spec.total_incl, True)):  # fmt: skip
        pen.text(350, ty, label, 10 if bold else 9.5, bold=bold)
        pen.text(543, ty, spec.money(value), 10 if bold else 9.5, bold=bold, align="right")
        ty += 15
    y = max(by, ty) + 15
    note = _vat_note(spec)
    if note:
        pen.text(50, y, note, 8.5)
        y += 14
    if spec.reference_display:
        pen.text(50, y, f"{spec.label('reference')} : {spec.reference_display}", 10, bold=True)


def layout_mono(pen: Pen, spec: InvoiceSpec) -> None:
    s = spec.supplier
    size = 9.5
    y = 50
    for line in (s.name, s.street, s.town, _supplier_vat_line(spec), f"IBAN {group4(spec.iban)}"):
        pen.text(50, y, line, size, bold=line == s.name)
        y += 12
    if spec.bic_printed and spec.bic:
        pen.text(50, y, f"BIC {spec.bic}", size)
    cy = 140
    customer = _customer_lines(spec)
    to_label = {"nl": "Aan", "fr": "Doit", "en": "To"}[spec.language]
    pen.text(320, cy, f"{to_label}: {customer[0]}", size)
    indent = 320 + pen.width(f"{to_label}: ", size)
    for line in customer[1:]:
        cy += 12
        pen.text(indent, cy, line, size)
    y = 225
    title = _title(spec).upper()
    word = {"nl": "nr.", "fr": "n°", "en": "no."}[spec.language]
    pen.text(50, y, f"{title} {word} {spec.number}", size, bold=True)
    y += 14
    pen.text(50, y, f"{_date_label(spec)}: {spec.day(spec.issue)}", size)
    y += 12
    if spec.due_printed:
        pen.text(50, y, f"{spec.label('due')}: {spec.day(spec.due)}", size)
    else:
        pen.text(50, y, spec.label("terms").format(days=spec.choices["terms_days"]), size)
    y += 28
    pen.text(50, y, "-" * 78, size)
    y += 14
    multi = len(spec.breakdown()) > 1
    for item in spec.items:
        left = f"{spec.quantity_text(item.quantity)} x {item.description}"
        left += (
            f" à {spec.money(item.unit_price, symbol=False)}"
            if spec.language != "en"
            else f" @ {spec.money(item.unit_price, symbol=False)}"
        )
        if multi:
            left += f" ({spec.rate_text(item.vat_rate)}%)"
        amount = spec.money(item.net, symbol=False)
        dots = "." * max(
            3,
            int((490 - pen.width(left, size) - pen.width(amount, size)) / pen.width(".", size)) - 2,
        )
        pen.text(50, y, f"{left} {dots}", size)
        pen.text(543, y, amount, size, align="right")
        y += 13
    pen.text(50, y, "-" * 78, size)
    y += 16

    def dotted(label: str, value: str, bold: bool = False) -> None:
        nonlocal y
        room = 543 - 230 - pen.width(label, size) - pen.width(value, size) - 14
        dots = "." * max(3, int(room / pen.width(".", size)))
        pen.text(230, y, f"{label} {dots}", size, bold=bold)
        pen.text(543, y, value, size, bold=bold, align="right")
        y += 13

    dotted(spec.label("excl"), spec.money(spec.total_excl))
    for rate, _base, vat in spec.breakdown():
        dotted(spec.label("vat_line").format(rate=spec.rate_text(rate)), spec.money(vat))
    dotted(spec.label("incl"), spec.money(spec.total_incl), bold=True)
    y += 14
    note = _vat_note(spec)
    if note:
        pen.text(50, y, note, size)
        y += 13
    if spec.reference_display:
        pen.text(50, y, f"{spec.label('reference')}: {spec.reference_display}", size)


def layout_footer(pen: Pen, spec: InvoiceSpec) -> None:
    s = spec.supplier
    pen.rect(50, 38, 56, 56, fill=DARK, stroke=False)
    initials = "".join(word[0] for word in s.name.split()[:2]).upper()
    pen.text(78, 72, initials, 20, bold=True, align="centre", color=white)
    pen.text(545, 55, s.name, 18, bold=True, align="right")
    pen.text(545, 72, f"{s.street} - {s.town}", 8.5, align="right", color=DARK)
    pen.text(545, 83, s.email, 8.5, align="right", color=DARK)
    # customer: label left, block to its right
    y = 150
    label = spec.label("customer")
    pen.text(50, y, f"{label}", 9, bold=True)
    for position, line in enumerate(_customer_lines(spec)):
        pen.text(135, y, line, 10, bold=position == 0)
        y += 13
    my = 150
    for label, value in _meta_pairs(spec):
        pen.text(440, my, label, 9, align="right", color=DARK)
        pen.text(450, my, value, 9)
        my += 13
    y = max(y, my) + 30
    pen.text(50, y, _title(spec), 14, bold=True)
    y = _draw_items_table(pen, spec, y + 25, with_vat=len(spec.breakdown()) > 1, shaded=False,
                          boxed=True)  # fmt: skip
    # totals as a grid: labels in a row, values in the row below
    columns = [(spec.label("excl"), spec.total_excl)]
    for rate, _base, vat in spec.breakdown():
        columns.append((spec.label("vat_line").format(rate=spec.rate_text(rate)), vat))
    columns.append((spec.label("incl"), spec.total_incl))
    width = min(120, 495 / len(columns))
    x = 545 - width * len(columns)
    for position, (label, value) in enumerate(columns):
        cx = x + position * width
        pen.rect(cx, y + 8, width, 36, fill=GREY if position == len(columns) - 1 else None)
        pen.text(cx + width - 5, y + 20, label, 8, bold=True, align="right")
        pen.text(cx + width - 5, y + 37, spec.money(value), 9.5, align="right")
    y += 70
    note = _vat_note(spec)
    if note:
        pen.text(50, y, note, 8.5)
        y += 14
    if spec.reference_display:
        pen.text(50, y, f"{spec.label('reference')}: {spec.reference_display}", 9.5)
    pen.hline(50, 545, 795, 0.4)
    pen.text(50, 807, _footer_line(spec), 7)
    pen.text(50, 817, f"RPR {s.town.split(' ', 1)[-1]}", 7)


def layout_foreign(pen: Pen, spec: InvoiceSpec) -> None:
    s = spec.supplier
    pen.text(50, 60, s.name, 15, bold=True)
    y = 76
    for line in (s.street, f"{s.town}, {COUNTRY_NAMES[s.country]}", f"VAT ID: {s.vat_display}"):
        pen.text(50, y, line, 9)
        y += 11
    pen.text(50, 150, _title(spec), 20, bold=True)
    # all meta data on one line, separated by wide gaps
    x = 50
    for label, value in _meta_pairs(spec):
        text = f"{label}: {value}"
        pen.text(x, 172, text, 9)
        x += pen.width(text, 9) + 28
    y = 205
    pen.text(320, y, "Sold to", 8.5, bold=True, color=DARK)
    y += 13
    for position, line in enumerate(_customer_lines(spec, vat=False)):
        pen.text(320, y, line, 10, bold=position == 0)
        y += 13
    if spec.customer_vat_printed and spec.customer.vat_display:
        pen.text(50, 205, f"{spec.label('customer_vat')}: {spec.customer.vat_display}", 9)
    if spec.currency != "EUR":
        pen.text(50, 218, f"Currency: {spec.currency}", 9)
    y = _draw_items_table(pen, spec, max(y + 25, 300), with_vat=len(spec.breakdown()) > 1,
                          shaded=True, boxed=False)  # fmt: skip
    y = _draw_totals_column(pen, spec, y + 8, label_x=360)
    note = _vat_note(spec)
    if note:
        pen.text(50, y, note, 8.5)
        y += 14
    bank = f"IBAN {group4(spec.iban)}"
    if spec.bic_printed and spec.bic:
        bank += f"   SWIFT/BIC {spec.bic}"
    pen.text(50, y + 8, bank, 9)
    if spec.reference_display:
        pen.text(50, y + 21, f"{spec.label('reference')}: {spec.reference_display}", 9)


def layout_letter(pen: Pen, spec: InvoiceSpec) -> None:
    s = spec.supplier
    pen.text(50, 45, s.name, 12, bold=True)
    pen.text(50, 58, f"{s.street} | {s.town} | {s.phone}", 8, color=DARK)
    town = s.town.split(" ", 1)[-1]
    pen.text(545, 120, f"{town}, {spec.day(spec.issue)}", 10, align="right")
    y = 150
    for line in _customer_lines(spec):
        pen.text(330, y, line, 10.5)
        y += 13
    subject = spec.label("subject_credit" if spec.credit else "subject").format(number=spec.number)
    y = max(y + 30, 250)
    pen.text(50, y, subject, 11, bold=True)
    y += 24
    pen.text(50, y, spec.label("greeting"), 10)
    y += 16
    pen.text(50, y, spec.label("intro"), 10)
    y += 26
    header = [(spec.label("h_qty"), 52, "left"), (spec.label("h_desc"), 110, "left"),
              (spec.label("h_amount"), 543, "right")]  # fmt: skip
    for title, x, align in header:
        pen.text(x, y, title, 9, bold=True, align=align)
    pen.hline(48, 547, y + 5)
    y += 18
    for item in spec.items:
        pen.text(52, y, spec.quantity_text(item.quantity), 9.5)
        pen.text(110, y, f"{item.description}", 9.5)
        pen.text(543, y, spec.money(item.net, symbol=False), 9.5, align="right")
        y += 14
    pen.hline(48, 547, y - 7)
    y = _draw_totals_column(pen, spec, y + 10, label_x=330)
    note = _vat_note(spec)
    if note:
        pen.text(50, y, note, 8.5)
        y += 14
    for line in _wrap(pen, _payment_sentence(spec), 490, 10):
        pen.text(50, y + 4, line, 10)
        y += 13
    y += 20
    pen.text(50, y, spec.label("closing"), 10)
    pen.text(50, y + 40, f"{s.name}", 10)
    pen.text(297, 815, f"{_supplier_vat_line(spec)} – RPR {town}", 7.5, align="centre")
    if spec.bic_printed and spec.bic:
        pen.text(297, 825, f"BIC {spec.bic}", 7.5, align="centre")


def render_flow(spec: InvoiceSpec) -> bytes:
    """The "flow" layout: reportlab platypus flowables (tables with grids, wrapped
    paragraphs), positioned by the library rather than by hand."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, leftMargin=45,
                                 rightMargin=45, topMargin=40, bottomMargin=40)  # fmt: skip
    regular = ParagraphStyle("r", fontName=spec.font, fontSize=9, leading=11.5)
    bold = ParagraphStyle("b", parent=regular, fontName=Pen.BOLD[spec.font])
    title = ParagraphStyle("t", parent=bold, fontSize=15, leading=19)
    s, c = spec.supplier, spec.customer

    def party(heading: str, p: Party, lines: list[str]) -> list[Paragraph]:
        return [Paragraph(heading.upper(), bold), Paragraph(f"<b>{p.name}</b>", regular),
                *[Paragraph(line, regular) for line in lines]]  # fmt: skip

    supplier_lines = [s.street, s.town, _supplier_vat_line(spec), s.email]
    customer_lines = _customer_lines(spec)[1:]
    parties = Table(
        [
            [
                party(spec.label("supplier_heading"), s, supplier_lines),
                party(spec.label("customer_heading"), c, customer_lines),
            ]
        ],
        colWidths=[250, 250],
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list[Any] = [parties, Spacer(1, 18), Paragraph(f"{_title(spec)} {spec.number}", title),
                        Spacer(1, 8)]  # fmt: skip
    info = [[_date_label(spec), spec.day(spec.issue), spec.label("due"), spec.day(spec.due)]]
    if spec.extras:
        row = []
        for key, value in spec.extras[:2]:
            row += [spec.label(key), value]
        info.append(row + [""] * (4 - len(row)))
    info_table = Table(info, colWidths=[95, 120, 95, 120])
    info_table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), spec.font, 9),
                                    ("FONT", (0, 0), (0, -1), Pen.BOLD[spec.font], 9),
                                    ("FONT", (2, 0), (2, -1), Pen.BOLD[spec.font], 9)]))  # fmt: skip
    story += [info_table, Spacer(1, 14)]
    rows = [["#", spec.label("h_desc"), spec.label("h_qty"), spec.label("h_price"),
             spec.label("h_vat"), spec.label("h_amount")]]  # fmt: skip
    for number, item in enumerate(spec.items, 1):
        rows.append([str(number), item.description, spec.quantity_text(item.quantity),
                     spec.money(item.unit_price, symbol=False), f"{spec.rate_text(item.vat_rate)} %",
                     spec.money(item.net, symbol=False)])  # fmt: skip
    items = Table(rows, colWidths=[22, 238, 50, 75, 45, 75], repeatRows=1)
    items.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), spec.font, 8.5),
        ("FONT", (0, 0), (-1, 0), Pen.BOLD[spec.font], 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), GREY),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
    ]))  # fmt: skip
    story += [items, Spacer(1, 10)]
    totals = [[spec.label("excl"), spec.money(spec.total_excl)]]
    for rate, base, vat in spec.breakdown():
        label = spec.label("vat_line").format(rate=spec.rate_text(rate))
        totals.append([f"{label} ({spec.money(base, symbol=False)})", spec.money(vat)])
    totals.append([spec.label("incl"), spec.money(spec.total_incl)])
    totals_table = Table(totals, colWidths=[170, 90], hAlign="RIGHT")
    totals_table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), spec.font, 9),
        ("FONT", (0, -1), (-1, -1), Pen.BOLD[spec.font], 10),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
    ]))  # fmt: skip
    story += [totals_table, Spacer(1, 14)]
    note = _vat_note(spec)
    if note:
        story.append(Paragraph(note, regular))
    bank = f"IBAN {group4(spec.iban)}" + (
        f" (BIC {spec.bic})" if spec.bic_printed and spec.bic else ""
    )
    reference = (
        f" — {spec.label('reference')} {spec.reference_display}" if spec.reference_display else ""
    )
    story.append(Paragraph(f"{spec.label('payment_heading')}: {bank}{reference}", regular))
    document.build(story)
    return buffer.getvalue()


_LAYOUT_FUNCTIONS: dict[str, Callable[[Pen, InvoiceSpec], None]] = {
    "classic": layout_classic,
    "modern": layout_modern,
    "grid": layout_grid,
    "mono": layout_mono,
    "footer": layout_footer,
    "foreign": layout_foreign,
    "letter": layout_letter,
}


def render_pdf(spec: InvoiceSpec) -> bytes:
    """The document as a text PDF (deterministic bytes)."""
    if spec.layout == "flow":
        return render_flow(spec)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(f"{_title(spec)} {spec.number}")
    pen = Pen(canvas, spec)
    _LAYOUT_FUNCTIONS[spec.layout](pen, spec)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- scans ------------------------------------------------------------------------------------


def _degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.choice([-1, 1]) * rng.uniform(1.0, 3.0)
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    # grey paper and grain
    noise = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
    grain = noise.point(lambda v: v % 28)
    image = ImageChops.subtract(image.point(lambda v: int(22 + v * 0.9)), grain)
    # speckle: a few dark and light dots
    dark = noise.point(lambda v: 255 if v < 2 else 0)
    image.paste(40, mask=dark)
    return image


def rasterise(pdf: bytes, rng: random.Random, fmt: str, *, dpi: int = 200) -> bytes:
    """A scan of the PDF: image-only PDF, PNG, JPEG or TIFF (first page for PNG/JPEG)."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    try:
        for page in document:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            pages.append(_degrade(bitmap.to_pil().convert("L"), rng))
            bitmap.close()
            page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    if fmt == "pdf":
        # Fixed dates: Pillow otherwise stamps the current time and the bytes would differ.
        stamp = time.strptime("2026-01-01", "%Y-%m-%d")
        pages[0].save(
            buffer,
            "PDF",
            resolution=dpi,
            save_all=True,
            append_images=pages[1:],
            creationDate=stamp,
            modDate=stamp,
        )
    elif fmt == "png":
        pages[0].save(buffer, "PNG", dpi=(dpi, dpi))
    elif fmt == "jpeg":
        pages[0].save(buffer, "JPEG", quality=72, dpi=(dpi, dpi))
    elif fmt == "tiff":
        pages[0].save(buffer, "TIFF", dpi=(dpi, dpi), compression="tiff_deflate", save_all=True,
                      append_images=pages[1:])  # fmt: skip
    else:
        raise ValueError(f"unknown scan format {fmt}")
    return buffer.getvalue()


# --- hostile files ----------------------------------------------------------------------------


def _deflate_zeros(size: int, chunk: int = 1 << 20) -> bytes:
    """A zlib stream that inflates to `size` zero bytes, made without holding them: after a
    full flush the compressor starts afresh, so every further chunk compresses to the same
    bytes, which are repeated."""
    assert size % chunk == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; header added below
    block = bytes(chunk)
    compressor.compress(block)
    compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()
    # Adler-32 of n zero bytes: the sum A stays 1 and B adds 1 per byte.
    checksum = ((size % 65521) << 16) | 1
    return b"\x78\xda" + repeated * (size // chunk) + end + struct.pack(">I", checksum)


def decompression_bomb_pdf(inflated_mib: int = 1024) -> bytes:
    """A one-page PDF whose content stream is a flate stream of `inflated_mib` MiB of zeros:
    about 1 MB of file per GiB inflated."""
    stream = _deflate_zeros(inflated_mib << 20)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- the corpus -------------------------------------------------------------------------------


def generate_corpus(out_dir: Path, *, count: int = 60, seed: int = 20260314,
                    scan_share: float = 1 / 3) -> list[dict[str, Any]]:  # fmt: skip
    """Write `count` documents and truth.json into `out_dir`; returns the truth entries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    entries: list[dict[str, Any]] = []
    scan_every = max(1, round(1 / scan_share)) if scan_share > 0 else 0
    scans = 0
    for index in range(count):
        # A few long documents whose table continues on a second page.
        item_count = rng.choice([28, 34]) if index % 17 == 5 else None
        layout = LAYOUTS[index % len(LAYOUTS)]
        if item_count and layout not in ("classic", "modern", "grid", "flow"):
            item_count = None
        spec = random_spec(rng, index, item_count=item_count)
        pdf = render_pdf(spec)
        is_scan = bool(scan_every) and index % scan_every == scan_every - 1
        name = f"doc-{index + 1:03d}-{spec.layout}-{spec.language}"
        if is_scan:
            fmt = SCAN_FORMATS[scans % len(SCAN_FORMATS)]
            scans += 1
            pages = len(pdfium.PdfDocument(pdf))
            if pages > 1 and fmt in ("png", "jpeg"):
                fmt = "pdf"
            data = rasterise(pdf, rng, fmt)
            suffix = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "tiff": ".tif"}[fmt]
            path = out_dir / f"{name}-scan{suffix}"
        else:
            data, path, fmt = pdf, out_dir / f"{name}.pdf", "pdf"
        path.write_bytes(data)
        with pdfium.PdfDocument(pdf) as document:
            page_count = len(document)
        entries.append(
            {
                "file": path.name,
                "kind": "scan" if is_scan else "text",
                "format": fmt,
                "layout": spec.layout,
                "language": spec.language,
                "pages": page_count,
                "fields": spec.truth(),
                "lines": spec.truth_lines(),
            }
        )
    (out_dir / "truth.json").write_text(
        json.dumps({"seed": seed, "documents": entries}, indent=2, ensure_ascii=False)
    )
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=60, help="number of documents (default 60)")
    parser.add_argument("--seed", type=int, default=20260314, help="random seed")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: a new temp dir)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="ledgerline-corpus-"))
    entries = generate_corpus(out, count=args.count, seed=args.seed)
    scans = sum(1 for e in entries if e["kind"] == "scan")
    print(f"wrote {len(entries)} documents ({scans} scans) and truth.json to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
