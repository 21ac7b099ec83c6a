"""UBL recognition against the Peppol / EN 16931 samples and hostile inputs.

Every expected value below was read by hand from the sample XML; none is produced by the parser.
Results are compared through their JSON form so that "25.0" and "25" count as different: amounts
must come out exactly as written in the document.
"""

import hashlib
import time
from datetime import date
from decimal import Decimal as D

import pytest
from ledgerline.devstack.paths import given_testdata
from ledgerline.events.invoice import (
    AllowanceCharge,
    InvoiceData,
    InvoiceFields,
    InvoiceLine,
    Party,
    VatBreakdown,
)
from recognition.domain.ubl import (
    DEFAULT_MAX_UBL_BYTES,
    DocumentTooLarge,
    MalformedXml,
    NotUbl,
    UblError,
    UnsafeXml,
    looks_like_ubl,
    normalise_payment_reference,
    parse_ubl,
)

UBL_SAMPLES = given_testdata() / "ubl"


def _json(model: InvoiceData) -> dict[str, object]:
    return model.model_dump(mode="json")


def _line(
    description: str,
    quantity: str,
    unit_code: str,
    unit_price: str,
    net_amount: str,
    vat_category: str,
    vat_rate: str,
) -> InvoiceLine:
    return InvoiceLine(
        description=description,
        quantity=D(quantity),
        unit_code=unit_code,
        unit_price=D(unit_price),
        net_amount=D(net_amount),
        vat_category=vat_category,
        vat_rate=D(vat_rate),
    )


def _vat(category: str, rate: str, taxable: str, vat: str) -> VatBreakdown:
    return VatBreakdown(
        category=category, rate=D(rate), taxable_amount=D(taxable), vat_amount=D(vat)
    )


# The Peppol BIS examples share one pair of parties.
PEPPOL_SUPPLIER = Party(
    name="SupplierOfficialName Ltd",
    vat="GB1232434",
    company_id="GB983294",
    street="Main street 1",
    postal_code="GB 123 EW",
    town="London",
    country="GB",
)
PEPPOL_CUSTOMER = Party(
    name="Buyer Official Name",
    vat="SE4598375937",
    company_id="39937423947",
    street="Hovedgatan 32",
    postal_code="456 34",
    town="Stockholm",
    country="SE",
)
PEPPOL_LINE_TEXT = "item name - Description of item"

# file name -> (sha256 from tests/data/MANIFEST.md, expected result)
EXPECTED: dict[str, tuple[str, InvoiceData]] = {
    "base-example.xml": (
        "1b7cc3ff1834c8963f2c93f30f171b58002cbf0b2c52dc8765e7e83aebb9f7c9",
        InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name="SupplierOfficialName Ltd",
                supplier_vat="GB1232434",
                customer_name="Buyer Official Name",
                customer_vat="SE4598375937",
                invoice_number="Snippet1",
                issue_date=date(2017, 11, 13),
                due_date=date(2017, 12, 1),
                currency="EUR",
                total_excl_vat=D("1325"),
                total_vat=D("331.25"),
                total_incl_vat=D("1656.25"),
                iban=None,  # "IBAN32423940" is not an IBAN
                bic=None,  # "BIC324098" is not a BIC
                payment_reference="Snippet1",
            ),
            supplier=PEPPOL_SUPPLIER,
            customer=PEPPOL_CUSTOMER,
            lines=(
                _line(PEPPOL_LINE_TEXT, "7", "DAY", "400", "2800", "S", "25.0"),
                _line("item name 2 - Description 2", "-3", "DAY", "500", "-1500", "S", "25.0"),
            ),
            allowances_charges=(
                AllowanceCharge(
                    is_charge=True,
                    amount=D("25"),
                    reason="Insurance",
                    vat_category="S",
                    vat_rate=D("25.0"),
                ),
            ),
            vat_breakdown=(_vat("S", "25.0", "1325", "331.25"),),
            amount_due=D("1656.25"),
        ),
    ),
    "base-creditnote-correction.xml": (
        "08e0ad82e0dbe7e16d7533c01761843343a56954ea24881d0f7f1cce06f8879e",
        InvoiceData(
            fields=InvoiceFields(
                document_type="credit_note",
                supplier_name="SupplierOfficialName Ltd",
                supplier_vat="GB1232434",
                customer_name="Buyer Official Name",
                customer_vat="SE4598375937",
                invoice_number="Snippet1",
                issue_date=date(2017, 11, 13),
                due_date=None,  # no DueDate / PaymentDueDate in this credit note
                currency="EUR",
                total_excl_vat=D("1325"),
                total_vat=D("331.25"),
                total_incl_vat=D("1656.25"),
                iban=None,
                bic=None,
                payment_reference="Snippet1",
            ),
            supplier=PEPPOL_SUPPLIER,
            customer=PEPPOL_CUSTOMER,
            lines=(
                _line(PEPPOL_LINE_TEXT, "7", "DAY", "400", "2800", "S", "25.0"),
                _line("item name 2 - Description 2", "-3", "DAY", "500", "-1500", "S", "25.0"),
            ),
            allowances_charges=(
                AllowanceCharge(
                    is_charge=True,
                    amount=D("25"),
                    reason="Insurance",
                    vat_category="S",
                    vat_rate=D("25.0"),
                ),
            ),
            vat_breakdown=(_vat("S", "25.0", "1325", "331.25"),),
            amount_due=D("1656.25"),
        ),
    ),
    "Allowance-example.xml": (
        "aa3df18eb8c634624637eb229891d989c5cfb7cd0d08894ff8e58c58f247ea5b",
        InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name="SupplierOfficialName Ltd",
                supplier_vat="GB1232434",
                customer_name="Buyer Official Name",
                customer_vat="SE4598375937",
                invoice_number="Snippet1",
                issue_date=date(2017, 11, 13),
                due_date=date(2017, 12, 1),
                currency="EUR",
                total_excl_vat=D("5900"),
                total_vat=D("1225.00"),  # the EUR TaxTotal, not the SEK one (9324.00)
                total_incl_vat=D("7125"),
                iban=None,
                bic=None,
                payment_reference="Snippet1",
            ),
            supplier=PEPPOL_SUPPLIER,
            customer=PEPPOL_CUSTOMER,
            lines=(
                _line(PEPPOL_LINE_TEXT, "10", "C62", "410", "4000.00", "S", "25.0"),
                # PriceAmount 200 is per BaseQuantity 2: kept as written, not divided.
                _line(PEPPOL_LINE_TEXT, "10", "C62", "200", "1000.00", "E", "0.0"),
                _line(PEPPOL_LINE_TEXT, "10", "C62", "100", "900.00", "S", "25.0"),
            ),
            # Document level only; the line- and price-level allowances are not repeated here.
            allowances_charges=(
                AllowanceCharge(
                    is_charge=True,
                    amount=D("200"),
                    reason="Cleaning",
                    vat_category="S",
                    vat_rate=D("25"),
                ),
                AllowanceCharge(
                    is_charge=False,
                    amount=D("200"),
                    reason="Discount",
                    vat_category="S",
                    vat_rate=D("25"),
                ),
            ),
            vat_breakdown=(
                _vat("S", "25", "4900.0", "1225"),
                _vat("E", "0", "1000.0", "0"),
            ),
            amount_due=D("6125.00"),
        ),
    ),
    "Vat-category-S.xml": (
        "59f96ae9a77ed3eda4ac17f499994fbd1b050432edf3bb8c117d7f3bca8d5f95",
        InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name="SupplierOfficialName Ltd",
                supplier_vat="GB1232434",
                customer_name="Buyer Official Name",
                customer_vat="SE4598375937",
                invoice_number="Snippet1",
                issue_date=date(2017, 11, 13),
                due_date=date(2017, 12, 1),
                currency="EUR",
                total_excl_vat=D("7000"),
                total_vat=D("1550.00"),
                total_incl_vat=D("8550"),
                iban=None,
                bic=None,
                payment_reference="Snippet1",
            ),
            supplier=PEPPOL_SUPPLIER,
            customer=PEPPOL_CUSTOMER,
            lines=(
                _line(PEPPOL_LINE_TEXT, "10", "C62", "400", "4000.00", "S", "25.0"),
                _line(PEPPOL_LINE_TEXT, "10", "C62", "200", "2000.00", "S", "15.0"),
                _line(PEPPOL_LINE_TEXT, "10", "C62", "90", "900.00", "S", "25.0"),
            ),
            allowances_charges=(
                AllowanceCharge(
                    is_charge=True,
                    amount=D("200"),
                    reason="Cleaning",
                    vat_category="S",
                    vat_rate=D("25"),
                ),
                AllowanceCharge(
                    is_charge=False,
                    amount=D("100"),
                    reason="Discount",
                    vat_category="S",
                    vat_rate=D("25"),
                ),
            ),
            vat_breakdown=(
                _vat("S", "25", "5000.0", "1250"),
                _vat("S", "15", "2000.0", "300"),
            ),
            amount_due=D("8550"),
        ),
    ),
    "vat-category-E.xml": (
        "c699bb2bd290be769e082796873a528265bb5717285562feac030f0065e34742",
        InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name="The Sellercompany Incorporated",
                supplier_vat="GB928741974",
                customer_name="The Buyercompany",
                customer_vat=None,
                invoice_number="Vat-Z",
                issue_date=date(2018, 8, 30),
                due_date=None,
                currency="GBP",
                total_excl_vat=D("1200.00"),
                total_vat=D("0.00"),
                total_incl_vat=D("1200.00"),
                iban=None,  # "SE1212341234123412" has the wrong length for a Swedish IBAN
                bic=None,  # "SEXDABCD": "AB" is not a country code
                payment_reference=None,
            ),
            supplier=Party(
                name="The Sellercompany Incorporated",
                vat="GB928741974",
                company_id=None,
                street="Main street 2, Building 4",
                postal_code="54321",
                town="Big city",
                country="GB",
            ),
            customer=Party(
                name="The Buyercompany",
                vat=None,
                company_id=None,
                street="Anystreet 8",
                postal_code="101",
                town="Anytown",
                country="DK",
            ),
            lines=(_line("Test item, category Z", "10", "EA", "120.00", "1200.00", "E", "0"),),
            allowances_charges=(),
            vat_breakdown=(_vat("E", "0", "1200.00", "0.00"),),
            amount_due=D("1200.00"),
        ),
    ),
    "ubl-tc434-creditnote1.xml": (
        "911d7ac2cb4fa72d21331c76914468e7d94eda03629e0def75c64ab18e3e9dce",
        InvoiceData(
            fields=InvoiceFields(
                document_type="credit_note",
                supplier_name="My Supplier Company",
                supplier_vat="BE0000000196",
                customer_name="My Customer Company",
                customer_vat="BE0000000295",
                invoice_number="018304 / 28865",
                issue_date=date(2019, 9, 23),
                due_date=None,
                currency="EUR",
                total_excl_vat=D("100.11"),
                total_vat=D("0.00"),
                total_incl_vat=D("100.11"),
                iban="BE91000000143476",
                bic="BPOTBEB1",
                # PaymentID 010676609538: 0106766095 mod 97 = 38, a valid OGM.
                payment_reference="+++010/6766/09538+++",
            ),
            supplier=Party(
                name="My Supplier Company",
                vat="BE0000000196",
                company_id="0000000196",
                street="De Grote Meir 22",
                postal_code="2000",
                town="ANTWERPEN",
                country="BE",
            ),
            customer=Party(
                name="My Customer Company",
                vat="BE0000000295",
                company_id="0000000295",
                street="Boulevard Sint Michel 53",
                postal_code="1000",
                town="BRUXELLES",
                country="BE",
            ),
            lines=(
                # Name and Description are identical, so the text appears once.
                _line(
                    "Exonération du versement du PP", "1.00", "C62", "100.11", "100.11", "E", "0.00"
                ),
            ),
            allowances_charges=(),
            vat_breakdown=(_vat("E", "0.00", "100.11", "0.00"),),
            amount_due=D("100.11"),
        ),
    ),
    "ubl-tc434-example1.xml": (
        "507a03e3c45761c435cf81e4a32097bedb3cb9b724572a9989028a4dfc2c7b51",
        InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name="De Koksmaat",
                supplier_vat="NL8200.98.395.B.01",
                customer_name="ODIN 59",
                customer_vat=None,
                invoice_number="12115118",
                issue_date=date(2015, 1, 9),
                due_date=date(2015, 1, 9),
                currency="EUR",
                total_excl_vat=D("229.60"),
                total_vat=D("20.73"),
                total_incl_vat=D("250.33"),
                # First of two payee accounts, written with spaces.
                iban="NL57RABO0107307510",
                bic=None,
                payment_reference="Deb. 10202 / Fact. 12115118",
            ),
            supplier=Party(
                name="De Koksmaat",
                vat="NL8200.98.395.B.01",
                company_id="57151520",
                street="Postbus 7l",
                postal_code="1950 AB",
                town="Velsen-Noord",
                country="NL",
            ),
            customer=Party(
                name="ODIN 59",
                vat=None,
                company_id=None,
                street="POSTBUS 367",
                postal_code="1960 AJ",
                town="HEEMSKERK",
                country="NL",
            ),
            lines=(
                _line("PATAT FRITES 10MM 10KG", "2", "EA", "9.95", "19.90", "S", "6"),
                _line("PKAAS 50PL. JONG BEL. 1KG", "1", "EA", "9.85", "9.85", "S", "6"),
                _line("POT KETCHUP 3 LT", "1", "EA", "8.29", "8.29", "S", "6"),
                _line("FRITESSAUS 3 LRR", "2", "EA", "7.23", "14.46", "S", "6"),
                _line("KOFFIE BLIK 3,5KG SNELF", "1", "EA", "35.00", "35.00", "S", "6"),
                _line("KOFFIE 3.5 KG BLIK STAND", "1", "EA", "35.00", "35.00", "S", "6"),
                _line("SUIKERKLONT", "1", "EA", "10.65", "10.65", "S", "6"),
                _line("1 KG UL BLOKJES", "1", "EA", "1.55", "1.55", "S", "6"),
                _line("BLOCKNOTE A5", "3", "EA", "4.79", "14.37", "S", "6"),
                _line("CHIPS NAT KLEIN ZAKJES", "1", "EA", "8.29", "8.29", "S", "6"),
                _line("CHIPS PAP KLEINE ZAKJES", "2", "EA", "8.29", "16.58", "S", "6"),
                _line("TR KL PAKJES APPELSAP", "1", "EA", "9.95", "9.95", "S", "6"),
                _line("PK CHOCOLADEMEL", "2", "EA", "1.65", "3.30", "S", "6"),
                _line("KRAT BIER", "1", "EA", "10.80", "10.80", "S", "21"),
                _line("STATIEGELD", "1", "EA", "3.90", "3.90", "S", "6"),
                _line("BLEEK 3 X 750 ML", "2", "EA", "3.80", "7.60", "S", "21"),
                _line("WC PAPIER", "2", "EA", "4.67", "9.34", "S", "21"),
                _line("BALPENNEN 50 ST BLAUW", "1", "EA", "18.63", "18.63", "S", "21"),
                _line("EM FRITUURVET", "6", "EA", "17.02", "102.12", "S", "6"),
                _line("FRITUUR VET 10 KG RETOUR", "6", "EA", "18.33", "-109.98", "S", "6"),
            ),
            allowances_charges=(),
            vat_breakdown=(
                _vat("S", "6", "183.23", "10.99"),
                _vat("S", "21", "46.37", "9.74"),
            ),
            amount_due=D("250.33"),
        ),
    ),
}


def _sample(name: str) -> bytes:
    return (UBL_SAMPLES / name).read_bytes()


def test_every_sample_has_expectations() -> None:
    on_disk = {path.name for path in UBL_SAMPLES.glob("*.xml")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_the_manifest_version(name: str) -> None:
    assert hashlib.sha256(_sample(name)).hexdigest() == EXPECTED[name][0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_fields(name: str) -> None:
    result = parse_ubl(_sample(name))
    assert _json(result)["fields"] == _json(EXPECTED[name][1])["fields"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_complete_result(name: str) -> None:
    expected = EXPECTED[name][1]
    result = parse_ubl(_sample(name))
    assert len(result.lines) == len(expected.lines)
    assert _json(result)["supplier"] == _json(expected)["supplier"]
    assert _json(result)["customer"] == _json(expected)["customer"]
    assert _json(result)["lines"] == _json(expected)["lines"]
    assert _json(result)["allowances_charges"] == _json(expected)["allowances_charges"]
    assert _json(result)["vat_breakdown"] == _json(expected)["vat_breakdown"]
    assert _json(result) == _json(expected)


def test_amounts_are_decimals_exactly_as_written() -> None:
    result = parse_ubl(_sample("Allowance-example.xml"))
    assert isinstance(result.fields.total_vat, D)
    assert str(result.fields.total_vat) == "1225.00"
    assert str(result.vat_breakdown[0].taxable_amount) == "4900.0"
    assert str(result.amount_due) == "6125.00"
    assert str(result.lines[0].vat_rate) == "25.0"
    assert str(result.allowances_charges[0].vat_rate) == "25"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_are_sniffed_as_ubl(name: str) -> None:
    assert looks_like_ubl(_sample(name))


# --- synthetic documents --------------------------------------------------------------------

UBL_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
    ' xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"'
    ' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
)


def _invoice(
    payment_id: str = "INV-1",
    account: str = "BE71 0961 2345 6769",
    type_code: str = "380",
    body: str = "",
) -> bytes:
    return (
        UBL_HEADER
        + "<cbc:ID>INV-1</cbc:ID><cbc:IssueDate>2024-03-01</cbc:IssueDate>"
        + f"<cbc:InvoiceTypeCode>{type_code}</cbc:InvoiceTypeCode>"
        + "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
        + "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        + f"<cbc:PaymentID>{payment_id}</cbc:PaymentID>"
        + f"<cac:PayeeFinancialAccount><cbc:ID>{account}</cbc:ID></cac:PayeeFinancialAccount>"
        + "</cac:PaymentMeans>"
        + body
        + "</Invoice>"
    ).encode()


@pytest.mark.parametrize(
    "written",
    [
        "+++010/8068/17183+++",
        "***010/8068/17183***",
        "010806817183",
        "010/8068/17183",
        "+++ 010 / 8068 / 17183 +++",
    ],
)
def test_ogm_is_formatted(written: str) -> None:
    result = parse_ubl(_invoice(payment_id=written))
    assert result.fields.payment_reference == "+++010/8068/17183+++"


def test_ogm_with_remainder_zero_uses_check_digits_97() -> None:
    assert normalise_payment_reference("000000009797") == "+++000/0000/09797+++"


@pytest.mark.parametrize(
    "written",
    [
        "+++010/8068/17180+++",  # wrong check digits
        "+++010/8068/17183***",  # mismatched delimiters
        "0108068171830",  # 13 digits
    ],
)
def test_invalid_ogm_is_kept_as_written(written: str) -> None:
    result = parse_ubl(_invoice(payment_id=written))
    assert result.fields.payment_reference == written


@pytest.mark.parametrize("written", ["RF18 5390 0754 7034", "RF18539007547034", "rf18539007547034"])
def test_rf_reference_is_compacted(written: str) -> None:
    result = parse_ubl(_invoice(payment_id=written))
    assert result.fields.payment_reference == "RF18539007547034"


def test_rf_reference_with_bad_check_digits_is_kept_as_written() -> None:
    result = parse_ubl(_invoice(payment_id="RF19 5390 0754 7034"))
    assert result.fields.payment_reference == "RF19 5390 0754 7034"


def test_iban_is_compacted_and_invalid_iban_dropped() -> None:
    assert parse_ubl(_invoice()).fields.iban == "BE71096123456769"
    assert parse_ubl(_invoice(account="be71 0961 2345 6769")).fields.iban == "BE71096123456769"
    assert parse_ubl(_invoice(account="BE71 0961 2345 6760")).fields.iban is None


def test_invoice_type_code_381_is_a_credit_note() -> None:
    assert parse_ubl(_invoice(type_code="381")).fields.document_type == "credit_note"
    assert parse_ubl(_invoice(type_code="380")).fields.document_type == "invoice"


def test_due_date_from_payment_means() -> None:
    body = (
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        "<cbc:PaymentDueDate>2024-04-15</cbc:PaymentDueDate></cac:PaymentMeans>"
    )
    assert parse_ubl(_invoice(body=body)).fields.due_date == date(2024, 4, 15)


def test_tax_total_in_document_currency_is_chosen_whatever_the_order() -> None:
    body = (
        '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">9324.00</cbc:TaxAmount></cac:TaxTotal>'
        '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1225.00</cbc:TaxAmount></cac:TaxTotal>'
    )
    assert parse_ubl(_invoice(body=body)).fields.total_vat == D("1225.00")


def test_value_not_in_schema_form_is_none_not_guessed() -> None:
    body = (
        "<cbc:DueDate>01/04/2024</cbc:DueDate>"
        "<cac:LegalMonetaryTotal>"
        '<cbc:TaxExclusiveAmount currencyID="EUR">1.234,50</cbc:TaxExclusiveAmount>'
        '<cbc:PayableAmount currencyID="EUR">NaN</cbc:PayableAmount>'
        "</cac:LegalMonetaryTotal>"
    )
    result = parse_ubl(_invoice(body=body))
    assert result.fields.due_date is None
    assert result.fields.total_excl_vat is None
    assert result.amount_due is None


def test_comment_inside_a_value_does_not_hide_it() -> None:
    body = "<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID='EUR'><!-- x -->12.50"
    body += "</cbc:PayableAmount></cac:LegalMonetaryTotal>"
    assert parse_ubl(_invoice(body=body)).amount_due == D("12.50")


# --- hostile and foreign input --------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n'
        % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b']>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
    + b"<ID>&lol9;</ID></Invoice>"
)

XXE = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
    b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    b"<cbc:ID>&xxe;</cbc:ID></Invoice>"
)


def test_billion_laughs_is_refused_without_expanding() -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse_ubl(BILLION_LAUGHS)
    assert time.perf_counter() - started < 2


def test_external_entity_is_refused_without_reading_the_file() -> None:
    with pytest.raises(UnsafeXml) as raised:
        parse_ubl(XXE)
    assert "root:" not in str(raised.value)


def test_doctype_after_comments_and_in_utf16_is_refused() -> None:
    with pytest.raises(UnsafeXml):
        parse_ubl(b'<?xml version="1.0"?>\n<!-- a -->\n<?pi x?>\n' + XXE.split(b"?>\n", 1)[1])
    utf16 = (
        XXE.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"').decode().encode("utf-16")
    )
    with pytest.raises(UnsafeXml):
        parse_ubl(utf16)


def test_nesting_beyond_the_parser_limit_is_unsafe() -> None:
    deep = UBL_HEADER.encode() + b"<a>" * 300 + b"</a>" * 300 + b"</Invoice>"
    with pytest.raises(UnsafeXml, match="safety limits"):
        parse_ubl(deep)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7\n",
        UBL_HEADER.encode() + b"<cbc:ID>1</cbc:ID>",  # unclosed root
        UBL_HEADER.encode() + b"<cbc:ID>1</cbc:Id></Invoice>",  # mismatched tag
        UBL_HEADER.encode() + b"<cbc:ID>&undefined;</cbc:ID></Invoice>",
    ],
)
def test_malformed_xml(data: bytes) -> None:
    with pytest.raises(MalformedXml):
        parse_ubl(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<Invoice><ID>1</ID></Invoice>",  # right name, no namespace
        b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
        b'<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100"/>',
    ],
)
def test_xml_that_is_not_ubl(data: bytes) -> None:
    with pytest.raises(NotUbl):
        parse_ubl(data)
    assert not looks_like_ubl(data)


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(DocumentTooLarge):
        parse_ubl(_sample("base-example.xml"), max_bytes=1000)
    # Not even well-formed: proves the size is checked first.
    with pytest.raises(DocumentTooLarge, match="bytes"):
        parse_ubl(b"x" * (DEFAULT_MAX_UBL_BYTES + 1))


def test_errors_are_value_errors_with_a_one_sentence_message() -> None:
    for error_type in (NotUbl, UnsafeXml, MalformedXml, DocumentTooLarge):
        assert issubclass(error_type, UblError)
        assert issubclass(error_type, ValueError)
    assert issubclass(DocumentTooLarge, UnsafeXml)
    with pytest.raises(UblError) as raised:
        parse_ubl(b"<a>")
    message = str(raised.value)
    assert message.endswith(".")
    assert message.count(". ") == 0


def test_sniff_routes_hostile_ubl_to_the_parser_that_refuses_it() -> None:
    assert looks_like_ubl(XXE)
    assert looks_like_ubl(BILLION_LAUGHS)


def test_sniff_rejects_non_xml() -> None:
    assert not looks_like_ubl(b"")
    assert not looks_like_ubl(b"%PDF-1.7\n" + b"\x00" * 100)
    assert looks_like_ubl(_invoice())


def test_text_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_ubl(_invoice().decode())  # type: ignore[arg-type]
