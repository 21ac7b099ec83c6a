"""UBL invoices for tests and benchmarks, the one place they are made.

- `generated_invoice`: a Peppol BIS 3 invoice built with lxml from parties and lines, at one VAT
  rate, whose totals add up (the test compares the proposal with `net`, `vat` and `gross`).
- `base_example`: the Peppol base example of `tests/data/ubl` with its own number and, if given,
  its own payee account and payment reference.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from ledgerline.devstack.paths import given_testdata
from ledgerline.xml import safe_parser

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NAMESPACES = {None: INVOICE_NS, "cac": CAC_NS, "cbc": CBC_NS}
PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
STANDARD_RATE = Decimal("21")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Party:
    """A supplier or customer. `endpoint` is a Belgian enterprise number (Peppol scheme 0208)."""

    name: str
    vat: str
    city: str
    street: str | None = None
    postal_zone: str | None = None
    country: str = "BE"
    endpoint: str | None = None


@dataclass(frozen=True)
class Line:
    name: str
    amount: Decimal  # net, quantity 1


@dataclass(frozen=True)
class GeneratedInvoice:
    number: str
    xml: bytes
    lines: int
    net: Decimal
    vat: Decimal
    gross: Decimal


def generated_invoice(
    number: str,
    lines: Sequence[Line],
    *,
    supplier: Party,
    customer: Party,
    issue_date: date = date(2026, 3, 2),
    due_date: date = date(2026, 4, 1),
    buyer_reference: str | None = None,
    rate: Decimal = STANDARD_RATE,
) -> GeneratedInvoice:
    """A Peppol BIS 3 invoice of `lines` (standard-rated at `rate` %), in EUR; VAT is computed
    once on the invoice's net total, rounded to the cent."""
    amounts = [line.amount.quantize(CENT) for line in lines]
    net = sum(amounts, Decimal("0.00"))
    vat = (net * rate / 100).quantize(CENT)
    gross = net + vat

    root = etree.Element(f"{{{INVOICE_NS}}}Invoice", nsmap=NAMESPACES)
    _cbc(root, "CustomizationID", PEPPOL_CUSTOMIZATION)
    _cbc(root, "ProfileID", PEPPOL_PROFILE)
    _cbc(root, "ID", number)
    _cbc(root, "IssueDate", issue_date.isoformat())
    _cbc(root, "DueDate", due_date.isoformat())
    _cbc(root, "InvoiceTypeCode", "380")
    _cbc(root, "DocumentCurrencyCode", "EUR")
    if buyer_reference is not None:
        _cbc(root, "BuyerReference", buyer_reference)
    _party(_cac(root, "AccountingSupplierParty"), supplier)
    _party(_cac(root, "AccountingCustomerParty"), customer)

    tax_total = _cac(root, "TaxTotal")
    _money(tax_total, "TaxAmount", vat)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _money(subtotal, "TaxableAmount", net)
    _money(subtotal, "TaxAmount", vat)
    _tax_category(subtotal, "TaxCategory", rate)

    totals = _cac(root, "LegalMonetaryTotal")
    _money(totals, "LineExtensionAmount", net)
    _money(totals, "TaxExclusiveAmount", net)
    _money(totals, "TaxInclusiveAmount", gross)
    _money(totals, "PayableAmount", gross)

    for index, (line, amount) in enumerate(zip(lines, amounts, strict=True), start=1):
        element = _cac(root, "InvoiceLine")
        _cbc(element, "ID", str(index))
        _cbc(element, "InvoicedQuantity", "1").set("unitCode", "C62")
        _money(element, "LineExtensionAmount", amount)
        item = _cac(element, "Item")
        _cbc(item, "Name", line.name)
        _tax_category(item, "ClassifiedTaxCategory", rate)
        _money(_cac(element, "Price"), "PriceAmount", amount)

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return GeneratedInvoice(number, xml, len(amounts), net, vat, gross)


def base_example(
    number: str,
    *,
    iban: str | None = None,
    bic: str | None = None,
    payment_id: str | None = None,
) -> bytes:
    """The Peppol base example (supplier GB1232434, total 1,656.25) numbered `number`; `iban`,
    `bic` and `payment_id` replace its payee account and payment reference when given."""
    tree = etree.parse(given_testdata() / "ubl" / "base-example.xml", safe_parser())
    root = tree.getroot()
    replacements = {
        "cbc:ID": number,
        "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID": iban,
        "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID": bic,
        "cac:PaymentMeans/cbc:PaymentID": payment_id,
    }
    for path, value in replacements.items():
        if value is not None:
            element = root.find(path, {"cac": CAC_NS, "cbc": CBC_NS})
            assert element is not None, path
            element.text = value
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC_NS}}}{name}")


def _cbc(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CBC_NS}}}{name}")
    element.text = text
    return element


def _money(parent: etree._Element, name: str, amount: Decimal) -> None:
    _cbc(parent, name, str(amount)).set("currencyID", "EUR")


def _tax_category(parent: etree._Element, name: str, rate: Decimal) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", "S")
    _cbc(category, "Percent", str(rate))
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _party(role: etree._Element, party: Party) -> None:
    element = _cac(role, "Party")
    if party.endpoint is not None:
        _cbc(element, "EndpointID", party.endpoint).set("schemeID", "0208")
    _cbc(_cac(element, "PartyName"), "Name", party.name)
    address = _cac(element, "PostalAddress")
    if party.street is not None:
        _cbc(address, "StreetName", party.street)
    _cbc(address, "CityName", party.city)
    if party.postal_zone is not None:
        _cbc(address, "PostalZone", party.postal_zone)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)
    tax_scheme = _cac(element, "PartyTaxScheme")
    _cbc(tax_scheme, "CompanyID", party.vat)
    _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
    _cbc(_cac(element, "PartyLegalEntity"), "RegistrationName", party.name)
