"""General layout and label rules of AIR (issue 10), each pinned by a small page drawn here
with reportlab: wordings and layouts seen on real invoices, not copies of their files.

Each page states its values once; the expected values are what is printed.
"""

import io
import uuid
from datetime import date
from decimal import Decimal

from recognition.domain.amounts_dates import find_amounts
from recognition.domain.recognize import recognize
from reportlab.pdfgen.canvas import Canvas

Text = tuple[float, float, str] | tuple[float, float, str, float]


def _pdf(*pages: tuple[Text, ...]) -> bytes:
    """A4 pages; each text at (x, y from the top) in points, 10 pt unless given."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    for texts in pages:
        for item in texts:
            x, y, text = item[0], item[1], item[2]
            size = item[3] if len(item) > 3 else 10  # type: ignore[misc]
            canvas.setFont("Helvetica", size)
            canvas.drawString(x, 842 - y, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _read(*pages: tuple[Text, ...]):  # type: ignore[no-untyped-def]
    result = recognize(uuid.uuid4(), _pdf(*pages), "application/pdf")
    assert result.invoice is not None, result.reason
    return result


# --- amounts --------------------------------------------------------------------------------


def test_a_long_integer_is_an_identifier_not_an_amount() -> None:
    assert find_amounts("VAT/TIN: 29670869006") == []
    assert find_amounts("Account No. 00030340067212") == []
    # Amounts keep their separators or cents, however large.
    assert [a.value for a in find_amounts("12.345.678,00")] == [Decimal("12345678.00")]
    assert [a.value for a in find_amounts("Rs 1939")] == [Decimal("1939")]


def test_a_tax_registration_number_after_a_vat_label_is_not_the_vat_total() -> None:
    result = _read(
        (
            (230, 40, "Retail Invoice", 14),
            (400, 70, "Invoice No: A-2015-0042"),
            (20, 90, "Sold By: Northwind Retail Ltd."),
            (20, 120, "Invoice Date: 20-10-2015"),
            (20, 140, "VAT/TIN: 29670869006"),
            (20, 200, "Product"),
            (200, 200, "Qty"),
            (300, 200, "Price"),
            (400, 200, "Tax"),
            (500, 200, "Total"),
            (20, 220, "Memory card 16 GB"),
            (200, 220, "1"),
            (300, 220, "278.61"),
            (400, 220, "40.39"),
            (500, 220, "319.00"),
            (250, 260, "Total"),
            (300, 260, "278.61"),
            (400, 260, "40.39"),
            (500, 260, "319.00"),
            (380, 300, "Grand Total"),
            (500, 300, "319.00"),
        ),
    )
    fields = result.invoice.fields
    # The table's "Total" row is its sum, not a second item.
    assert [line.net_amount for line in result.invoice.lines] == [Decimal("319.00")]
    assert fields.total_incl_vat == Decimal("319.00")
    assert fields.total_vat != Decimal("29670869006")
    assert fields.total_vat is None or fields.total_vat < fields.total_incl_vat


def test_ohne_mwst_is_the_net_total_and_inkl_mwst_the_gross_total() -> None:
    result = _read(
        (
            (60, 60, "Gartenbau Lindner GmbH • Am Hang 4 • 01067 Dresden", 7),
            (60, 80, "Schreinerei Huber GmbH"),
            (60, 92, "Bahnstraße 42"),
            (60, 104, "88802 Spielkreis"),
            (60, 200, "Rechnungsnr. 2024-118"),
            (60, 214, "Rechnungsdatum 13.06.2024"),
            (300, 300, "Summe ohne MwSt."),
            (480, 300, "200,00"),
            (300, 328, "Betrag inkl. MwSt."),
            (480, 328, "238,00"),
            (60, 760, "USt-IdNr.: DE136695976", 8),
        ),
    )
    fields = result.invoice.fields
    # No VAT line: the VAT is what the two printed totals leave.
    assert (fields.total_excl_vat, fields.total_vat, fields.total_incl_vat) == (
        Decimal("200.00"),
        Decimal("38.00"),
        Decimal("238.00"),
    )


# --- items ----------------------------------------------------------------------------------

_HEADER: tuple[Text, ...] = (
    (60, 300, "Pos."),
    (100, 300, "Menge"),
    (150, 300, "Beschreibung"),
    (420, 300, "VK-Preis"),
    (500, 300, "Zeilenbetrag"),
    (500, 310, "Ohne MwSt.", 8),
)
_FOOTER: tuple[Text, ...] = (
    (56, 780, "Hostwerk AG", 7),
    (230, 780, "Vorstand: Erika Muster", 7),
    (400, 780, "Bankverbindung", 7),
    (56, 788, "Hafenweg 7", 7),
    (230, 788, "Registergericht Hanau HRB 13302", 7),
    (400, 788, "IBAN DE89 3704 0044 0532 0130 00", 7),
)


def _row(y: float, position: int, text: str, amount: str) -> tuple[Text, ...]:
    return (
        (60, y, str(position)),
        (100, y, "1"),
        (150, y, text),
        (430, y, amount),
        (510, y, amount),
    )


def test_items_continue_on_the_next_page_under_a_repeated_two_line_header() -> None:
    first = (
        (60, 200, "Rechnung"),
        (60, 220, "Rechnungsnr."),
        (150, 220, "30064443"),
        (60, 234, "Rechnungsdatum"),
        (150, 234, "7. Mai 2014"),
        *_HEADER,
        *_row(340, 1, "Exchange Standard", "3,89"),
        (150, 354, "Grundgebühr pro Einheit"),
        *_row(380, 2, "Exchange Premium", "5,39"),
        *_row(420, 3, "Exchange Premium", "5,39"),
        *_FOOTER,
    )
    second = (
        *_HEADER,
        *_row(340, 4, "Exchange Standard", "3,89"),
        (400, 400, "Total EUR"),
        (510, 400, "18,56"),
        (56, 440, "Zahlungsziel"),
        (200, 440, "21.05.14"),
        *_FOOTER,
    )
    invoice = _read(first, second).invoice
    assert [line.net_amount for line in invoice.lines] == [
        Decimal("3.89"),
        Decimal("5.39"),
        Decimal("5.39"),
        Decimal("3.89"),
    ]
    # The footer under the first page's last row is not part of that row.
    assert "Vorstand" not in (invoice.lines[2].description or "")
    assert invoice.fields.total_excl_vat == Decimal("18.56")
    assert invoice.fields.total_incl_vat == Decimal("18.56")
    assert invoice.fields.iban == "DE89370400440532013000"


# --- invoice number -------------------------------------------------------------------------


def test_a_hash_opening_a_cell_under_the_title_announces_the_number() -> None:
    fields = _read(
        (
            (50, 30, "Jordan Plumbing"),
            (50, 40, "jordan@example.com"),
            (460, 40, "INVOICE", 16),
            (460, 62, "# inv_2022_007"),
            (430, 110, "Date:"),
            (510, 110, "Jan 1, 2022"),
            (50, 130, "Bill To:"),
            (50, 142, "Taylor Riddel"),
            (420, 500, "Total:"),
            (510, 500, "$127.50"),
        ),
    ).invoice.fields
    assert fields.invoice_number == "inv_2022_007"


def test_a_label_word_inside_an_underscored_identifier_is_not_a_label() -> None:
    from recognition.domain.labels import starts_with_label

    assert not starts_with_label("invoice_number_1")
    assert starts_with_label("Invoice number 1")


def test_a_receipt_without_invoice_number_is_numbered_by_its_booking_id() -> None:
    fields = _read(
        (
            (120, 40, "PAYMENT RECEIPT", 14),
            (40, 80, "Guest Name: Sanjay"),
            (420, 80, "Date: 31/12/2017"),
            (320, 140, "Booking ID"),
            (405, 140, "Payment Mode"),
            (320, 152, "XKQP2087"),
            (405, 152, "Cash at Hotel"),
            (50, 260, "Grand Total"),
            (500, 260, "Rs 1939"),
        ),
    ).invoice.fields
    assert fields.invoice_number == "XKQP2087"


def test_an_invoice_number_label_beats_a_booking_id() -> None:
    result = _read(
        (
            (60, 60, "Hotel Aurora BV • Kade 2 • 1011 AB Amsterdam", 7),
            (60, 100, "Invoice number: 2024-0815"),
            (60, 114, "Invoice date: 14.03.2024"),
            (60, 128, "Booking ID: BK-55812"),
            (300, 300, "Total"),
            (480, 300, "250,00"),
        ),
    )
    assert result.invoice.fields.invoice_number == "2024-0815"
    assert result.field_confidence["invoice_number"] >= 0.9


# --- parties --------------------------------------------------------------------------------


def test_a_french_legal_form_stated_with_the_capital_is_not_part_of_the_name() -> None:
    fields = _read(
        (
            (170, 30, "Fromagerie Lenoir SARL - 8 rue des Halles - 21000 Dijon", 8),
            (170, 48, "TVA : FR11999999998 - SARL au capital de 20 000,00 €", 8),
            (30, 90, "Facture FA-2024-0031", 14),
            (40, 140, "Café du Port"),
            (40, 152, "3 quai Vauban"),
            (40, 164, "17000 La Rochelle"),
            (34, 220, "Date de facture"),
            (155, 220, "13/11/2024"),
            (450, 400, "Total HT"),
            (520, 400, "100,00 €"),
            (450, 414, "TVA 20 %"),
            (520, 414, "20,00 €"),
            (450, 428, "Total TTC"),
            (520, 428, "120,00 €"),
        ),
    ).invoice.fields
    assert fields.supplier_name == "Fromagerie Lenoir"


def test_a_legal_form_without_a_separate_mention_stays_in_the_name() -> None:
    from recognition.domain.air.parties import french_denomination
    from recognition.domain.layout import build_pages
    from recognition.domain.pdf_text import read_pdf

    content = read_pdf(_pdf(((60, 60, "Fromagerie Lenoir SARL - 8 rue des Halles"),)))
    _, lines, _ = build_pages(content.words, content.page_sizes)
    assert french_denomination("Fromagerie Lenoir SARL", lines) == "Fromagerie Lenoir SARL"
    assert french_denomination("Holzbau Gruber GmbH", lines) == "Holzbau Gruber GmbH"


def test_the_seller_named_in_its_capital_mention_not_the_subscriber() -> None:
    fields = _read(
        (
            (40, 84, "Fibre Service Clients"),
            (40, 93, "75371 Paris Cedex 08"),
            (300, 150, "Martin Claire"),
            (300, 160, "12 rue des Lilas"),
            (300, 172, "69100 VILLEURBANNE"),
            (255, 254, "Nom de l’abonné"),
            (255, 263, "Martin Claire"),
            (40, 321, "Facture n°562044387 du 02 Juillet 2015"),
            (300, 372, "Montant EUR HT"),
            (400, 372, "Montant TVA"),
            (480, 372, "Montant EUR TTC"),
            (40, 423, "Total facture"),
            (335, 423, "24.99"),
            (431, 423, "5.00"),
            (530, 423, "29.99"),
            (
                45,
                774,
                "Fibra SAS au capital de 3.441.812 Euros - 8 rue de la Paix 75008 Paris - "
                "N° de TVA intra communautaire: FR 604 219 388 61",
                7,
            ),
        ),
    ).invoice.fields
    assert fields.supplier_name == "Fibra"
    assert fields.customer_name == "Martin Claire"


def test_sold_by_names_the_seller() -> None:
    fields = _read(
        (
            (230, 16, "Retail Invoice", 12),
            (400, 42, "Invoice No: A-2015-0042"),
            (6, 55, "Sold By : Northwind Retail Pvt. Ltd.,"),
            (6, 72, "Warehouse Address: 42 Mill Road, Bangalore 560067"),
            (167, 90, "Billing Address"),
            (167, 101, "Anushka Rao"),
            (380, 300, "Grand Total"),
            (500, 300, "319.00"),
        ),
    ).invoice.fields
    assert fields.supplier_name == "Northwind Retail Pvt. Ltd."


# --- the dossier's own VAT number -----------------------------------------------------------

_TWO_PARTIES: tuple[Text, ...] = (
    (60, 80, "Brasserie Lemaire SRL"),
    (60, 92, "Rue Haute 5"),
    (60, 104, "1000 Bruxelles"),
    (60, 116, "TVA BE 0428.759.497"),
    (340, 80, "Molens Verbeke BV"),
    (340, 92, "Kerkstraat 1"),
    (340, 104, "2000 Antwerpen"),
    (340, 116, "BTW BE 0403.170.701"),
    (60, 200, "Factuur 2024-118"),
    (60, 214, "Datum 14/03/2024"),
    (300, 300, "Totaal excl. btw"),
    (480, 300, "100,00"),
    (300, 314, "Btw 21 %"),
    (480, 314, "21,00"),
    (300, 328, "Totaal incl. btw"),
    (480, 328, "121,00"),
)


def _read_for(own_vat: str):  # type: ignore[no-untyped-def]
    return recognize(uuid.uuid4(), _pdf(_TWO_PARTIES), "application/pdf", own_vat_numbers=[own_vat])


def test_the_dossiers_own_vat_number_on_the_page_is_the_buyers() -> None:
    left_is_ours = _read_for("BE0428759497").invoice.fields
    assert left_is_ours.customer_vat == "BE0428759497"
    assert left_is_ours.supplier_vat == "BE0403170701"
    assert left_is_ours.supplier_name == "Molens Verbeke BV"
    right_is_ours = _read_for("be 0403.170.701").invoice.fields
    assert right_is_ours.customer_vat == "BE0403170701"
    assert right_is_ours.supplier_vat == "BE0428759497"
    assert right_is_ours.supplier_name == "Brasserie Lemaire SRL"


def test_a_booking_id_is_never_read_with_booking_confidence() -> None:
    result = _read(
        (
            (120, 40, "PAYMENT RECEIPT", 14),
            (40, 100, "Booking ID: XKQP2087"),
            (40, 114, "Date: 31/12/2017"),
            (50, 260, "Grand Total"),
            (500, 260, "€ 1939,00"),
        ),
    )
    assert result.invoice.fields.invoice_number == "XKQP2087"
    assert result.field_confidence["invoice_number"] < 0.9


def test_the_recipient_stacked_right_under_the_return_address_line_is_the_customer() -> None:
    # The return-address line and the window address share their left edge; the seller's
    # own block stands on the right and names the seller a second time.
    result = _read(
        (
            (60, 40, "Elektro Brandt GmbH · Lindenallee 8 · 50667 Köln", 7),
            (60, 52, "Bäckerei Wolf"),
            (60, 64, "Hauptstr. 3"),
            (60, 76, "53111 Bonn"),
            (380, 52, "Elektro Brandt GmbH", 12),
            (380, 68, "Lindenallee 8"),
            (380, 80, "50667 Köln"),
            (60, 160, "Rechnung", 16),
            (60, 185, "Rechnungs-Nr.:"),
            (160, 185, "R-2024-0042"),
            (60, 199, "Datum:"),
            (160, 199, "12.02.2024"),
            (350, 320, "Nettobetrag"),
            (470, 320, "180,00 €"),
            (350, 334, "zzgl. 19 % MwSt."),
            (470, 334, "34,20 €"),
            (350, 348, "Rechnungsbetrag"),
            (470, 348, "214,20 €"),
            (60, 770, "IBAN DE89 3704 0044 0532 0130 00 · USt-IdNr. DE136695976", 7),
        ),
    )
    fields = result.invoice.fields
    assert fields.supplier_name == "Elektro Brandt GmbH"
    assert fields.customer_name == "Bäckerei Wolf"
    assert result.field_confidence["supplier_name"] >= 0.9


# --- credit notes ---------------------------------------------------------------------------


def test_a_credit_note_is_not_numbered_nor_dated_by_the_invoice_it_credits() -> None:
    result = _read(
        (
            (60, 40, "Papeterie Dubois SPRL", 14),
            (60, 58, "Rue Neuve 10"),
            (60, 70, "1000 Bruxelles"),
            (60, 82, "TVA BE 0403.170.701"),
            (330, 120, "Client :"),
            (330, 132, "Cabinet Lambert"),
            (330, 144, "Avenue Louise 200"),
            (330, 156, "1050 Ixelles"),
            (60, 220, "NOTE DE CRÉDIT", 14),
            (60, 245, "N° : NC-2024-004"),
            (60, 259, "Date : 3 mars 2024"),
            (60, 273, "Concerne facture F-2024-0031 du 12 février 2024"),
            (350, 400, "Total HTVA"),
            (470, 400, "- 80,00"),
            (350, 414, "TVA 21 %"),
            (470, 414, "- 16,80"),
            (350, 428, "Total TVAC"),
            (470, 428, "- 96,80"),
        ),
    )
    fields = result.invoice.fields
    assert fields.document_type == "credit_note"
    assert fields.invoice_number == "NC-2024-004"
    assert fields.issue_date == date(2024, 3, 3)


# --- dates ----------------------------------------------------------------------------------


def test_ambiguous_numeric_dates_are_read_month_first_when_day_first_puts_due_before_issue() -> (
    None
):
    result = _read(
        (
            (50, 50, "Blue Ridge Software LLC", 16),
            (50, 70, "200 Main Street"),
            (50, 82, "Asheville, NC 28801"),
            (420, 50, "INVOICE", 18),
            (300, 130, "Invoice #"),
            (300, 142, "1043"),
            (380, 130, "Invoice Date"),
            (380, 142, "03/04/2024"),
            (470, 130, "Due Date"),
            (470, 142, "04/03/2024"),
            (380, 320, "Subtotal"),
            (480, 320, "$1,200.00"),
            (380, 334, "Sales Tax (7%)"),
            (480, 334, "$84.00"),
            (380, 348, "Balance Due"),
            (480, 348, "$1,284.00"),
        ),
    )
    fields = result.invoice.fields
    assert (fields.issue_date, fields.due_date) == (date(2024, 3, 4), date(2024, 4, 3))
    # The order is inferred, not read: the issue date goes to review.
    assert result.field_confidence["issue_date"] < 0.9
    assert result.status == "nok"


def test_a_heading_with_an_invoice_word_is_not_the_supplier() -> None:
    fields = _read(
        (
            (200, 30, "Retail Invoices/Bill", 16),
            (60, 90, "Invoice No: A-2015-0042"),
            (60, 104, "Invoice Date: 20-10-2015"),
            (300, 90, "Billing Address"),
            (300, 102, "Jane Doe"),
            (300, 114, "12 Mill Road"),
            (300, 126, "Leeds LS1 4AP"),
            (60, 780, "Quillon Supplies Ltd - VAT Reg No: GB 980 7806 84", 7),
            (380, 300, "Grand Total"),
            (500, 300, "€ 319,00"),
        ),
    ).invoice.fields
    # The seller named only in the footer, beside its VAT number.
    assert fields.supplier_name == "Quillon Supplies Ltd"
