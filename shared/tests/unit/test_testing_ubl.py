"""The shared UBL generator: a generated invoice's totals add up and it reads as a Peppol BIS 3
invoice; the base example keeps its content but for the number and payee it is given."""

from decimal import Decimal

from ledgerline.testing.ubl import CAC_NS, CBC_NS, Line, Party, base_example, generated_invoice
from ledgerline.xml import safe_parser
from lxml import etree

NS = {"cac": CAC_NS, "cbc": CBC_NS}


def test_a_generated_invoice_has_totals_that_add_up() -> None:
    invoice = generated_invoice(
        "T-1",
        [Line("Flour", Decimal("100")), Line("Salt", Decimal("0.55"))],
        supplier=Party("Supplier BV", "BE0403019261", "Gent", endpoint="0403019261"),
        customer=Party("Customer BV", "BE0123456749", "Leuven"),
    )
    assert (invoice.net, invoice.vat, invoice.gross, invoice.lines) == (
        Decimal("100.55"),
        Decimal("21.12"),
        Decimal("121.67"),
        2,
    )
    root = etree.fromstring(invoice.xml, safe_parser())
    assert root.findtext("cbc:ID", namespaces=NS) == "T-1"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "121.67"
    assert root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "21.12"
    assert [
        line.findtext("cbc:LineExtensionAmount", namespaces=NS)
        for line in root.findall("cac:InvoiceLine", NS)
    ] == ["100.00", "0.55"]
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert supplier is not None
    assert supplier.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == "BE0403019261"
    assert supplier.find("cbc:EndpointID", NS).get("schemeID") == "0208"  # type: ignore[union-attr]


def test_the_base_example_gets_its_own_number_and_payee() -> None:
    root = etree.fromstring(
        base_example("B-7", iban="BE71096123456769", bic="GKCCBEBB"), safe_parser()
    )
    means = "cac:PaymentMeans/"
    assert root.findtext("cbc:ID", namespaces=NS) == "B-7"
    assert root.findtext(f"{means}cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == (
        "BE71096123456769"
    )
    assert root.findtext(f"{means}cbc:PaymentID", namespaces=NS) == "Snippet1"  # kept
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "1656.25"
