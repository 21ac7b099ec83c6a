"""The words invoices put before their values, in Dutch, French, English (and some German).

Patterns match folded text (lower case, no accents, "n°" as "no"). Words inside a label may
be run together: OCR drops spaces ("avantle", "Soldto"). Each pattern belongs to a
role and has a weight: 1.0 for an unambiguous label ("factuurnummer", "date d'échéance"),
less for a generic one ("datum", "total", "nr") that only counts when nothing better is
found. Roles that are never extracted (order references, customer numbers, delivery dates,
contact details) are listed too: recognising "Klantnummer" as a label stops its value from
being taken as the invoice number, and "Leveringsdatum" from being the invoice date.

`find_label_hits` finds the labels of one cell; the value of a label is the text after it
up to the next label in the cell ("Datum: 14/03/2026 Nr: 2026-17" holds two pairs).
"""

import re
from dataclasses import dataclass
from typing import Final

from recognition.domain.amounts_dates import fold
from recognition.domain.layout import Cell, Word

__all__ = ["LabelHit", "find_label_hits", "is_credit_word", "starts_with_label"]

_NO = r"(?:nummer|number|numero|nr|no|num|#)\.?"

# (role, weight, start_only, pattern). start_only: only a label when it opens its cell
# ("No." inside a sentence is not a label).
_VOCABULARY: Final[list[tuple[str, float, bool, str]]] = [
    # invoice number
    ("invoice_number", 1.0, False, rf"factuur\s*-?\s*{_NO}"),
    ("invoice_number", 1.0, False, rf"(?:credit\s*nota|creditfactuur)\s*-?\s*{_NO}"),
    ("invoice_number", 1.0, False, r"(?:no|nr|numero)\.?\s*(?:de\s*(?:la\s*)?)?facture"),
    ("invoice_number", 1.0, False, r"facture\s*(?:no|nr|numero)\.?"),
    ("invoice_number", 1.0, False, r"(?:no|numero)\.?\s*(?:de\s*(?:la\s*)?)?note\s*de\s*credit"),
    ("invoice_number", 1.0, False, r"note\s*de\s*credit\s*(?:no|numero)\.?"),
    ("invoice_number", 1.0, False, r"(?:no|numero)\.?\s*(?:d'|de\s*l')avoir"),
    ("invoice_number", 1.0, False, r"avoir\s*(?:no|numero)\.?"),
    ("invoice_number", 1.0, False, rf"invoice\s*{_NO}|invoice\s*id"),
    ("invoice_number", 1.0, False, rf"credit\s*note\s*{_NO}"),
    ("invoice_number", 0.9, False, rf"document\s*{_NO}"),
    ("invoice_number", 1.0, False, r"rechnungs?\s*-?\s*(?:nummer|nr)\.?"),
    ("invoice_number", 0.6, True, r"nummer|numero|number|nr\.?|no\.?"),
    ("invoice_number", 0.6, False, r"(?:nummer|numero|number|nr|no)\.?\s*:"),
    # document titles: their value, if any, is the number printed after them
    ("doc_title", 0.8, False, r"factuur|facture|invoice|rechnung|tax\s*invoice"),
    ("doc_title", 0.8, False, r"credit\s*nota|creditfactuur|credit\s*note|credit\s*memo"),
    ("doc_title", 0.8, False, r"note\s*de\s*credit|avoir|gutschrift"),
    ("subject", 1.0, True, r"betreft|objet|subject|concerne|re\s*:"),
    # dates
    ("issue_date", 1.0, False, r"factuur\s*datum|datum\s*(?:van\s*(?:de\s*)?)?factuur"),
    ("issue_date", 1.0, False, r"date\s*(?:de\s*(?:la\s*)?)?facture|date\s*d'emission"),
    ("issue_date", 1.0, False, r"date\s*(?:de\s*l')?avoir|date\s*(?:de\s*la\s*)?note\s*de\s*credit"),
    ("issue_date", 1.0, False, r"invoice\s*date|date\s*of\s*(?:issue|invoice)|issue\s*date"),
    ("issue_date", 1.0, False, r"credit\s*note\s*date|creditnota\s*datum|datum\s*creditnota"),
    ("issue_date", 1.0, False, r"issued\s*(?:on|at)|rechnungsdatum|uitgiftedatum|document\s*date"),
    ("issue_date", 1.0, False, r"ausgestellt\s*am|datum\s*der\s*rechnung|(?:rechnung|gutschrift)\s*vom|date\s*of\s*the\s*invoice"),
    ("issue_date", 0.65, False, r"datum|date|dated|dd\."),
    ("due_date", 1.0, False, r"verval\s*datum|vervaldag|uiterste\s*betaal(?:datum|dag)"),
    ("due_date", 1.0, False, r"(?:te\s*)?betalen\s*(?:voor|tegen|uiterlijk(?:\s*op)?|ten\s*laatste(?:\s*op)?)"),
    ("due_date", 1.0, False, r"betaalbaar\s*(?:voor|tegen|op)|betaaldatum"),
    ("due_date", 1.0, False, r"(?:date\s*d')?echeance|date\s*limite\s*(?:de\s*)?(?:paiement|reglement)"),
    ("due_date", 1.0, False, r"(?:a\s*)?payer\s*(?:avant|pour)(?:\s*le)?|payable\s*(?:avant\s*le|le)"),
    ("due_date", 1.0, False, r"due\s*date|date\s*due|payment\s*due(?:\s*date)?|pay(?:able)?\s*by"),
    ("due_date", 1.0, False, r"due\s*(?:by|on)|payable\s*(?:before|on)|zahlbar\s*bis|fallig(?:keit)?"),
    ("due_date", 0.7, True, r"due"),
    # payment sentences: "Bitte überweisen Sie bis zum 04.07.2015", "Please remit until ..."
    ("due_date", 1.0, False, r"(?:bitte\s*)?(?:uberweisen|zahlen|begleichen)\s*sie(?:\s*(?:den|diesen)\s*(?:rechnungs)?betrag)?\s*(?:bis\s*(?:zum|spatestens)?|spatestens\s*(?:bis\s*)?(?:zum|am)?)"),
    ("due_date", 1.0, False, r"zahlbar\s*(?:spatestens\s*)?(?:bis\s*(?:zum)?|am)|zahlungsziel|falligkeitsdatum|faellig\s*am"),
    ("due_date", 1.0, False, r"(?:please\s*)?(?:remit|pay)\s*(?:until|by|before|no\s*later\s*than)|payable\s*(?:until|by)"),
    ("due_date", 1.0, False, r"a\s*regler\s*(?:avant|pour|au\s*plus\s*tard)(?:\s*le)?|date\s*de\s*paiement"),
    # in payment sentences: "... avant le 05/07/2026", "... before 5 July 2026"
    ("due_date", 0.8, False, r"avant\s*le|au\s*plus\s*tard\s*le|before|uiterlijk\s*op|ten\s*laatste\s*op"),
    ("other_date", 1.0, False, r"lever(?:ings)?datum|datum\s*levering|date\s*de\s*livraison"),
    ("other_date", 1.0, False, r"delivery\s*date|date\s*of\s*(?:delivery|supply)|besteldatum"),
    ("other_date", 1.0, False, r"date\s*de\s*commande|order\s*date|prestatiedatum|periode|period"),
    ("other_date", 1.0, False, r"date\s*de\s*prestation|service\s*date|leistungsdatum"),
    ("other_date", 1.0, False, r"liefer(?:datum|termin)|datum\s*der\s*lieferung|lieferung\s*vom|druckdatum|print(?:ed)?\s*(?:date|on)"),
    ("other_date", 1.0, False, r"ship(?:ping|ment)?\s*date|date\s*d'expedition|verzenddatum|auftragsdatum|bestelldatum"),
    # parties
    ("customer_block", 1.0, False, r"gefactureerd\s*aan|factuur\s*aan|factuuradres|facturatieadres"),
    # "Facture à :" but not the sentence "Facture à régler par virement"
    ("customer_block", 1.0, False, r"facture\s*a(?=\s*:|\s*$)|adresse\s*de\s*facturation|destinataire"),
    ("customer_block", 1.0, False, r"bill(?:ed)?\s*to|invoice(?:d)?\s*to|sold\s*to"),
    ("customer_block", 1.0, False, r"rechnungsempfanger|a\s*l'attention\s*de"),
    ("customer_block", 0.9, True, r"klant|client|customer|buyer|acheteur|koper|afnemer|kunde"),
    ("customer_block", 0.8, True, r"geadresseerde|opdrachtgever|besteller"),
    # short words that open company names too ("Van Dijk BV"): labels only with a colon
    ("customer_block", 0.8, True, r"(?:aan|to|doit)\s*:|(?:aan|to|a|doit)(?=\s*$)"),
    ("supplier_block", 1.0, True, r"leverancier|verkoper|fournisseur|vendeur|emetteur"),
    ("supplier_block", 1.0, True, r"supplier|seller|vendor|issued\s*by|lieferant"),
    ("supplier_block", 1.0, True, r"(?:from|van|de)\s*:|(?:from|van|de)(?=\s*$)"),
    ("customer_ref", 1.0, False, rf"klant\s*-?\s*(?:{_NO}|code|id)|klantnr\.?"),
    ("customer_ref", 1.0, False, r"(?:no|nr|numero|code|ref\.?)\s*(?:de\s*)?client"),
    ("customer_ref", 1.0, False, rf"(?:client|customer|kunden)\s*-?\s*(?:{_NO}|id|code|ref\.?)"),
    ("order_ref", 1.0, False, r"(?:uw|onze|your|our|votre|notre)\s*(?:ref(?:erentie|erence)?\.?|kenmerk)"),
    ("order_ref", 1.0, False, rf"bestel(?:bon|ling)?\s*-?\s*(?:{_NO})?|bon\s*de\s*commande"),
    ("order_ref", 1.0, False, rf"(?:purchase\s*)?order\s*(?:{_NO}|ref(?:erence)?\.?)?|po\s*{_NO}"),
    ("order_ref", 1.0, False, rf"commande\s*(?:{_NO})?|project|projet|dossier|contract|contrat"),
    ("reference", 0.8, False, r"referentie|reference|ref\.|kenmerk"),
    # VAT numbers
    ("customer_vat", 1.0, False, rf"(?:btw|tva|vat)\s*-?\s*(?:{_NO}|id)?\s*(?:van\s*de\s*)?(?:klant|client|customer|acheteur|buyer|afnemer)"),
    ("customer_vat", 1.0, False, rf"(?:klant|client|customer|buyer|acheteur|afnemer)\s*(?:btw|tva|vat)(?:\s*-?\s*(?:{_NO}|id))?"),
    ("customer_vat", 1.0, False, rf"(?:uw|your|votre)\s*(?:btw|tva|vat)\s*-?\s*(?:{_NO}|id)?"),
    ("customer_vat", 1.0, False, rf"{_NO}\s*(?:de\s*)?(?:btw|tva|vat)\s*(?:intra\w*\.?\s*)?(?:du\s*|van\s*de\s*)?(?:klant|client|customer|acheteur|buyer|afnemer)"),
    ("customer_vat", 1.0, False, r"(?:ihre|kunden)\s*-?\s*(?:ust|mwst)\s*-?\s*id(?:\s*-?\s*nr)?\.?"),
    ("vat_id", 1.0, False, rf"btw\s*-?\s*(?:{_NO}|id)|(?:no|numero)\.?\s*(?:de\s*)?tva(?:\s*intra\w*\.?)?"),
    ("vat_id", 1.0, False, rf"tva\s*intra\w*\.?|vat\s*(?:{_NO}|reg(?:istration)?\.?\s*(?:{_NO})?|id)"),
    ("vat_id", 1.0, False, r"ust\s*-?\s*id(?:\s*-?\s*nr)?\.?|ondernemingsn(?:ummer|r)\.?|ond\.?\s*nr\.?"),
    ("vat_id", 1.0, False, rf"(?:no|numero)\.?\s*d'entreprise|entreprise\s*(?:{_NO})?|kbo|bce"),
    ("vat_id", 1.0, False, rf"company\s*(?:{_NO}|reg\w*)|tax\s*id|identifiant\s*tva"),
    ("vat", 0.8, False, r"btw|tva|vat|tax|mwst|ust"),
    ("vat", 0.7, True, r"b[il1|]w|8tw"),  # OCR readings of "BTW"; not words in any language
    # totals
    ("total_excl", 1.0, False, r"(?:(?:sub\s*)?totaal|(?:sub\s*)?total|bedrag|montant|net|sous\s*-?\s*total)?\s*(?:excl|exclusief|excluding|exclusive\s*of|hors|zonder|voor)\.?\s*(?:btw|tva|vat|taxes?)"),
    ("total_excl", 1.0, False, r"(?:total|montant)\s*h\.?\s*t\.?(?:\s*v\.?\s*a\.?)?|h\.?t\.?v\.?a\.?|total\s*net"),
    ("total_excl", 1.0, False, r"maatstaf\s*van\s*heffing|heffingsgrondslag|base\s*(?:imposable|hors\s*taxes?)"),
    ("total_excl", 1.0, False, r"taxable\s*amount|net\s*(?:amount|total)|nettobetrag|netto\s*(?:bedrag|totaal)"),
    ("total_excl", 0.9, False, r"sub\s*-?\s*tota(?:al|l)|sous\s*-?\s*total|totaal\s*netto|netto|total\s*before\s*(?:vat|tax)"),
    ("total_vat", 1.0, False, r"(?:totaal|total|montant|bedrag)\s*(?:de\s*(?:la\s*)?)?(?:btw|tva|vat|tax)"),
    ("total_vat", 1.0, False, r"btw\s*-?\s*bedrag|vat\s*amount|tax\s*amount|total\s*taxes|mwst\.?\s*-?\s*betrag|umsatzsteuer"),
    ("total_vat", 1.0, False, r"(?:vat|tax|btw|tva|ust|mwst)\.?\s*(?:total|totaal|gesamt)|taxes|steuerbetrag|ust\.?\s*-?\s*betrag"),
    ("total_incl", 1.0, False, r"(?:totaal|total|bedrag|montant)\s*(?:incl|inclusief|including|inclus|incluse|inclusive\s*of)\.?\s*(?:btw|tva|vat|taxes?)"),
    ("total_incl", 1.0, False, r"(?:total|montant)\s*t\.?\s*t\.?\s*c\.?|(?:total\s*)?t\.?v\.?a\.?c\.?|totaal\s*factuur|factuur\s*(?:bedrag|totaal)"),
    ("total_incl", 1.0, False, r"invoice\s*total|total\s*invoice(?:\s*amount)?|grand\s*total|montant\s*total|total\s*general"),
    ("total_incl", 1.0, False, r"totaal\s*bedrag|bruttobetrag|gesamtbetrag|total\s*amount|total\s*(?:eur|€)"),
    ("total_incl", 1.0, False, r"rechnungsbetrag|endsumme|gesamtsumme|rechnungssumme|(?:amount\s*)?due\s*payable"),
    ("total_incl", 0.7, False, r"totaal|total|totale|gesamt"),
    ("amount_due", 1.0, False, r"(?:nog\s*)?te\s*betalen(?:\s*bedrag)?|netto\s*te\s*betalen|(?:net\s*)?a\s*payer"),
    ("amount_due", 1.0, False, r"montant\s*(?:a\s*payer|du)|solde(?:\s*a\s*payer)?|amount\s*(?:due|payable|to\s*pay)"),
    ("amount_due", 1.0, False, r"balance(?:\s*due)?|total\s*due|total\s*(?:a|to)\s*pay(?:er)?|saldo|zu\s*zahlen"),
    ("adjustment", 1.0, False, r"korting|remise|discount|rabatt|voorschot|acompte|deposit|(?:reeds|al)\s*betaald"),
    ("adjustment", 1.0, False, r"deja\s*paye|already\s*paid|amount\s*paid|paid|betaald|paye"),
    # payment
    ("currency", 1.0, False, r"valuta|munt(?:eenheid)?|devise|monnaie|currency|wahrung"),
    ("iban", 1.0, False, r"iban(?:\s*-?\s*(?:nr|nummer|no|code))?|(?:bank)?rekening(?:nummer|nr)?\.?|reknr\.?"),
    ("iban", 1.0, False, r"(?:no|numero)\.?\s*de\s*compte|compte(?:\s*bancaire)?|bank\s*account(?:\s*(?:number|no))?"),
    ("iban", 0.9, False, r"account\s*(?:number|no)|bank(?:gegevens|verbinding)?|coordonnees\s*bancaires|banque|konto"),
    # the customer's own account (direct debit): never the account to pay to
    ("customer_iban", 1.0, False, r"(?:uw|your|votre)\s*(?:rekening(?:nummer)?|account|compte|iban)|domiciliering(?:\s*op)?|domiciliation(?:\s*sur)?|direct\s*debit(?:\s*from)?"),
    ("bic", 1.0, False, r"bic\s*(?:/\s*swift|code)?|swift\s*(?:/\s*bic|code)?|code\s*(?:bic|swift)"),
    ("payment_ref", 1.0, False, r"(?:gestructureerde\s*)?mededeling|communication(?:\s*structuree)?|structured\s*(?:communication|reference)"),
    ("payment_ref", 1.0, False, r"payment\s*reference|betal(?:ings?|)\s*referentie|ogm|vcs|reference\s*(?:de\s*)?paiement"),
    ("payment_ref", 1.0, False, r"remittance(?:\s*information)?|verwendungszweck|creditor\s*reference"),
    ("payment_ref", 1.0, False, r"zahlungsreferenz|reference\s*(?:(?:de\s*l')?avis\s*de\s*)?(?:paiement|virement)|libelle\s*(?:du\s*)?virement"),
    ("payment_ref", 1.0, False, r"betalingskenmerk|betaalreferentie|payment\s*ref\.?|(?:please\s*)?quote\s*(?:this\s*)?reference"),
    # never extracted; recognised so that their values are not taken for something else
    ("contact", 1.0, False, r"tel(?:efoon)?\.?|telephone|phone|gsm|mobile?|fax|e\s*-?\s*mail|web(?:site)?|www"),
    ("contact", 1.0, True, r"adres|address|adresse|siege|zetel|rpr|rpm|kbo\s*\w+"),
    ("page", 1.0, False, r"pagina|page|blad|seite"),
]  # fmt: skip


_BOUNDED = r"(?<![a-z0-9])(?:{})(?![a-z0-9])"


def _compile() -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], str, float, bool]]]:
    """One alternation to find where labels start, and each pattern on its own to pick the
    longest label at that position ("factuurdatum" rather than "factuur", "invoice to"
    rather than "invoice"): Python's alternation takes the first match, not the longest."""
    combined = re.compile(_BOUNDED.format("|".join(p for _, _, _, p in _VOCABULARY)))
    single = [
        (re.compile(_BOUNDED.format(pattern)), role, weight, start_only)
        for role, weight, start_only, pattern in _VOCABULARY
    ]
    return combined, single


_LABELS, _SINGLE = _compile()
_LEADING_JUNK: Final = re.compile(r"^[\s:;=#.\-–*|]+")


# Labels as printed, for OCR text where a letter or two is misread ("Factaurnr.",
# "Vervaldatnm"); only labels of 7+ characters, where one or two edits cannot turn another
# word into them.
_FUZZY_LABELS: Final[list[tuple[str, float, str]]] = [
    (role, 0.85, literal)
    for role, literals in {
        "invoice_number": ["factuurnummer", "factuurnr.", "factuur nr.", "no de facture",
                           "numero de facture", "facture no", "invoice number", "invoice no.",
                           "creditnotanummer", "credit note number"],
        "issue_date": ["factuurdatum", "date de facture", "invoice date", "date of issue"],
        "due_date": ["vervaldatum", "vervaldag", "echeance", "date d'echeance", "due date",
                     "payment due", "te betalen voor", "a payer avant le"],
        "customer_block": ["gefactureerd aan", "factuur aan", "destinataire", "facture a",
                           "billed to", "invoice to", "sold to", "bill to"],
        "total_excl": ["totaal excl. btw", "subtotaal", "maatstaf van heffing", "total htva",
                       "sous-total", "base imposable", "subtotal", "net amount",
                       "total excl. vat", "totaal exclusief btw"],
        "total_vat": ["totaal btw", "btw-bedrag", "total tva", "montant tva", "total vat",
                      "vat amount"],
        "total_incl": ["totaal incl. btw", "total tvac", "total ttc", "montant total",
                       "grand total", "total incl. vat", "totaal te betalen"],
        "amount_due": ["te betalen", "net a payer", "amount due"],
        "payment_ref": ["gestructureerde mededeling", "mededeling", "communication structuree",
                        "communication", "payment reference"],
        "iban": ["rekeningnummer"],
    }.items()
    for literal in literals
]  # fmt: skip


def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most `limit` (banded, stops early)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        low = max(1, i - limit)
        high = min(len(b), i + limit)
        if low > 1:
            current[low - 1] = limit + 1
        for j in range(low, high + 1):
            cost = 0 if ca == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        for j in range(high + 1, len(b) + 1):
            current[j] = limit + 1
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def _fuzzy_label(folded: str) -> tuple[str, float, int] | None:
    """A misread label at the start of `folded`: role, weight and where it ends. Spaces are
    ignored in the comparison, since OCR both drops ("Soldto") and adds ("Fact uur") them."""
    for role, weight, literal in _FUZZY_LABELS:
        if folded[:1] != literal[:1] and folded[1:2] != literal[1:2]:
            continue
        target = literal.replace(" ", "")
        limit = 1 if len(target) < 11 else 2
        for length in range(len(literal) - 2, len(literal) + 3):
            prefix = folded[:length]
            if len(prefix) < length or (length < len(folded) and folded[length].isalnum()):
                continue
            squeezed = prefix.replace(" ", "")
            # Both ends must be read right: misreadings are inside words, and a word that
            # merely starts like a label ("facturen") ends differently.
            if squeezed[-1:] == target[-1:] and _within(squeezed, target, limit):
                return role, weight, length
    return None


@dataclass(slots=True)
class LabelHit:
    """A label found in a cell, with the text that follows it in that cell."""

    role: str
    weight: float
    cell: Cell
    start: int
    end: int
    at_start: bool
    inline: str
    is_last: bool = True

    @property
    def owns_cell(self) -> bool:
        """The cell is just this label (its value must be in another cell)."""
        return self.at_start and self.inline == ""


def find_label_hits(cell: Cell) -> list[LabelHit]:
    """Labels in `cell`, left to right, each with its inline value text."""
    folded = cell.folded
    hits: list[LabelHit] = []
    position = 0
    while (found := _LABELS.search(folded, position)) is not None:
        start = found.start()
        best: tuple[int, float, str, bool] | None = None
        for pattern, role, weight, start_only in _SINGLE:
            match = pattern.match(folded, start)
            if match is None:
                continue
            key = (match.end(), weight, role, start_only)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is None:  # cannot happen: the combined pattern matched one of them
            position = start + 1
            continue
        end, weight, role, start_only = best
        position = max(end, start + 1)
        at_start = folded[:start].strip(" :-#*|.") == ""
        if start_only and not at_start:
            continue
        hits.append(LabelHit(role, weight, cell, start, end, at_start, inline=""))
    if cell.confidence < 1.0 and not (hits and hits[0].at_start) and len(cell.words) <= 8:
        # OCR only: a label with a misread letter.
        fuzzy = _fuzzy_label(folded)
        if fuzzy is not None:
            role, weight, end = fuzzy
            hits.insert(0, LabelHit(role, weight, cell, 0, end, True, inline=""))
            hits = [hits[0], *(h for h in hits[1:] if h.start >= end)]
    for index, hit in enumerate(hits):
        following = hits[index + 1].start if index + 1 < len(hits) else len(cell.text)
        hit.inline = _LEADING_JUNK.sub("", cell.text[hit.end : following]).strip()
        hit.is_last = index + 1 == len(hits)
    return hits


def starts_with_label(text: str) -> bool:
    """Whether a piece of text (not necessarily a whole cell) opens with a label."""
    cell = Cell([Word(text, 0, 0, 1, 1, 0, 1)], 0, 0).finish()
    hits = find_label_hits(cell)
    return bool(hits) and hits[0].at_start


_CREDIT_WORDS: Final = re.compile(
    r"credit\s*nota|creditfactuur|credit\s*note|credit\s*memo|note\s+de\s+credit|avoir|gutschrift"
)


def is_credit_word(text: str) -> bool:
    """Whether `text` names a credit note ("Creditnota", "Note de crédit", "Avoir")."""
    return _CREDIT_WORDS.search(fold(text)) is not None
