"""Structured invoices embedded in PDFs: Factur-X / ZUGFeRD 2.x (CII) and UBL attachments.

A PDF that carries its invoice as XML is read from that XML, exactly, like a UBL file: the
printed page is only a picture of it. The `factur-x` library finds the invoice XML among the
attachments (by the names and flavours the Factur-X / ZUGFeRD / XRechnung specifications
use); a CII document is read here, a UBL one by `ubl.parse_ubl`.

The CII reader follows the EN 16931 mapping of CII D16B (Factur-X 1.0 profiles MINIMUM to
EXTENDED): it returns what the document states and never recomputes. ZUGFeRD 1.0
(CrossIndustryDocument) is not read; such a PDF is read from its text like any other.
"""

import logging
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from ledgerline.events.invoice import (
    AllowanceCharge,
    DocumentType,
    InvoiceData,
    InvoiceFields,
    InvoiceLine,
    Party,
    VatBreakdown,
)
from ledgerline.xml import safe_parser
from lxml import etree
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from recognition.domain import pdf_text, ubl

__all__ = [
    "CII_NS",
    "EmbeddedInvoice",
    "is_cii",
    "parse_cii",
    "read_embedded_invoice",
]

CII_NS: Final = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM_NS: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT_NS: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_ROOT_TAG: Final = f"{{{CII_NS}}}CrossIndustryInvoice"
_NAMESPACES: Final = {"rsm": CII_NS, "ram": RAM_NS, "udt": UDT_NS}
_DECIMAL: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")

# The same UNTDID 1001 credit-note codes as for UBL (EN 16931 validation artefacts).
_CREDIT_NOTE_TYPE_CODES: Final = frozenset(
    ["81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"]
)

logger = logging.getLogger(__name__)


class EmbeddedInvoice:
    """An invoice read from XML inside a PDF, and which standard it was ("facturx"/"ubl")."""

    __slots__ = ("invoice", "source")

    def __init__(self, invoice: InvoiceData, source: str) -> None:
        self.invoice = invoice
        self.source = source


def _root(xml: bytes) -> etree._Element:
    if len(xml) > ubl.DEFAULT_MAX_UBL_BYTES:
        raise ubl.DocumentTooLarge(f"the embedded XML is {len(xml)} bytes, too large to read.")
    if ubl._declares_doctype(xml):  # the same refusal as for UBL: no entity expansion at all
        raise ubl.UnsafeXml("the embedded XML declares a DOCTYPE, which is refused.")
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ubl.MalformedXml(f"the embedded XML is not well-formed ({exc.msg}).") from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise ubl.UnsafeXml("the embedded XML declares a DOCTYPE, which is refused.")
    return root


def is_cii(xml: bytes) -> bool:
    """Whether the root element is a CII CrossIndustryInvoice (reads only the start)."""
    head = xml[:4096]
    return b"CrossIndustryInvoice" in head and CII_NS.encode() in head


# --- value readers --------------------------------------------------------------------------


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path, _NAMESPACES)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _decimal(element: etree._Element | None, path: str) -> Decimal | None:
    value = _text(element, path)
    if value is None or not _DECIMAL.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _date(element: etree._Element | None, path: str) -> date | None:
    if element is None:
        return None
    found = element.find(path, _NAMESPACES)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    # Format 102 (CCYYMMDD) is the only one EN 16931 allows for these dates.
    if found.get("format", "102") != "102" or not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _party(element: etree._Element | None) -> Party | None:
    if element is None:
        return None
    vat = None
    for registration in element.iterfind("ram:SpecifiedTaxRegistration/ram:ID", _NAMESPACES):
        if registration.get("schemeID") == "VA" and registration.text and registration.text.strip():
            vat = registration.text.strip()
            break
    address = element.find("ram:PostalTradeAddress", _NAMESPACES)
    return Party(
        name=_text(element, "ram:Name"),
        vat=vat,
        company_id=_text(element, "ram:SpecifiedLegalOrganization/ram:ID"),
        street=_text(address, "ram:LineOne"),
        postal_code=_text(address, "ram:PostcodeCode"),
        town=_text(address, "ram:CityName"),
        country=_text(address, "ram:CountryID"),
    )


def _lines(transaction: etree._Element) -> tuple[InvoiceLine, ...]:
    lines = []
    for item in transaction.iterfind("ram:IncludedSupplyChainTradeLineItem", _NAMESPACES):
        quantity = item.find("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", _NAMESPACES)
        unit = quantity.get("unitCode") if quantity is not None else None
        name = _text(item, "ram:SpecifiedTradeProduct/ram:Name")
        description = _text(item, "ram:SpecifiedTradeProduct/ram:Description")
        if description and description != name:
            name = f"{name} - {description}" if name else description
        lines.append(
            InvoiceLine(
                description=name,
                quantity=_decimal(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
                unit_code=unit.strip() if unit and unit.strip() else None,
                unit_price=_decimal(
                    item,
                    "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",
                ),
                net_amount=_decimal(
                    item,
                    "ram:SpecifiedLineTradeSettlement/"
                    "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                ),
                vat_category=_text(
                    item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
                ),
                vat_rate=_decimal(
                    item,
                    "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/"
                    "ram:RateApplicablePercent",
                ),
            )
        )
    return tuple(lines)


def _tax_total(summation: etree._Element | None, currency: str | None) -> Decimal | None:
    """BT-110, the VAT total in the invoice currency (BT-111, in the VAT accounting
    currency, is a second TaxTotalAmount with another currencyID)."""
    if summation is None:
        return None
    totals = summation.findall("ram:TaxTotalAmount", _NAMESPACES)
    chosen = [t for t in totals if currency is None or t.get("currencyID") in (None, currency)]
    if len(chosen) != 1 or chosen[0].text is None:
        return None
    value = chosen[0].text.strip()
    return Decimal(value) if _DECIMAL.fullmatch(value) else None


def _compact_iban(value: str | None) -> str | None:
    try:
        return IBAN(value).compact if value else None
    except SchwiftyException:
        return None


def _compact_bic(value: str | None) -> str | None:
    try:
        return BIC(value).compact if value else None
    except SchwiftyException:
        return None


def parse_cii(xml: bytes) -> InvoiceData:
    """Read a CII CrossIndustryInvoice (Factur-X / ZUGFeRD 2.x) exactly.

    Raises ubl.UnsafeXml / ubl.MalformedXml / ubl.NotUbl (for a root that is not CII), the
    same errors as the UBL reader so that callers handle both alike.
    """
    root = _root(xml)
    if root.tag != _ROOT_TAG:
        raise ubl.NotUbl(f"the root element {root.tag} is not a CII CrossIndustryInvoice.")
    document = root.find("rsm:ExchangedDocument", _NAMESPACES)
    transaction = root.find("rsm:SupplyChainTradeTransaction", _NAMESPACES)
    agreement = (
        transaction.find("ram:ApplicableHeaderTradeAgreement", _NAMESPACES)
        if transaction is not None
        else None
    )
    settlement = (
        transaction.find("ram:ApplicableHeaderTradeSettlement", _NAMESPACES)
        if transaction is not None
        else None
    )
    seller = _party(
        agreement.find("ram:SellerTradeParty", _NAMESPACES) if agreement is not None else None
    )
    buyer = _party(
        agreement.find("ram:BuyerTradeParty", _NAMESPACES) if agreement is not None else None
    )
    currency = _text(settlement, "ram:InvoiceCurrencyCode")
    summation = (
        settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", _NAMESPACES)
        if settlement is not None
        else None
    )
    type_code = _text(document, "ram:TypeCode")
    document_type: DocumentType = (
        "credit_note" if type_code in _CREDIT_NOTE_TYPE_CODES else "invoice"
    )

    iban = bic = None
    if settlement is not None:
        for means in settlement.iterfind("ram:SpecifiedTradeSettlementPaymentMeans", _NAMESPACES):
            iban = _compact_iban(_text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID"))
            bic = _compact_bic(
                _text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID")
            )
            if iban is not None:
                break
    reference = _text(settlement, "ram:PaymentReference")

    breakdown = []
    if settlement is not None:
        for tax in settlement.iterfind("ram:ApplicableTradeTax", _NAMESPACES):
            if _text(tax, "ram:TypeCode") not in (None, "VAT"):
                continue
            base, amount = _decimal(tax, "ram:BasisAmount"), _decimal(tax, "ram:CalculatedAmount")
            if base is None or amount is None:
                continue
            breakdown.append(
                VatBreakdown(
                    category=_text(tax, "ram:CategoryCode"),
                    rate=_decimal(tax, "ram:RateApplicablePercent"),
                    taxable_amount=base,
                    vat_amount=amount,
                )
            )
    allowances = []
    if settlement is not None:
        for charge in settlement.iterfind("ram:SpecifiedTradeAllowanceCharge", _NAMESPACES):
            indicator = _text(charge, "ram:ChargeIndicator/udt:Indicator")
            amount = _decimal(charge, "ram:ActualAmount")
            if indicator not in ("true", "false") or amount is None:
                continue
            allowances.append(
                AllowanceCharge(
                    is_charge=indicator == "true",
                    amount=amount,
                    reason=_text(charge, "ram:Reason"),
                    vat_category=_text(charge, "ram:CategoryTradeTax/ram:CategoryCode"),
                    vat_rate=_decimal(charge, "ram:CategoryTradeTax/ram:RateApplicablePercent"),
                )
            )
    fields = InvoiceFields(
        document_type=document_type,
        supplier_name=seller.name if seller else None,
        supplier_vat=seller.vat if seller else None,
        customer_name=buyer.name if buyer else None,
        customer_vat=buyer.vat if buyer else None,
        invoice_number=_text(document, "ram:ID"),
        issue_date=_date(document, "ram:IssueDateTime/udt:DateTimeString"),
        due_date=_date(
            settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
        ),
        currency=currency,
        total_excl_vat=_decimal(summation, "ram:TaxBasisTotalAmount"),
        total_vat=_tax_total(summation, currency),
        total_incl_vat=_decimal(summation, "ram:GrandTotalAmount"),
        iban=iban,
        bic=bic,
        payment_reference=ubl.normalise_payment_reference(reference) if reference else None,
    )
    return InvoiceData(
        fields=fields,
        supplier=seller,
        customer=buyer,
        lines=_lines(transaction) if transaction is not None else (),
        allowances_charges=tuple(allowances),
        vat_breakdown=tuple(breakdown),
        amount_due=_decimal(summation, "ram:DuePayableAmount"),
    )


def read_embedded_invoice(content: bytes) -> EmbeddedInvoice | None:
    """The invoice XML embedded in a PDF, read exactly; None when there is none.

    Raises ubl.UblError subclasses when the embedded XML is unsafe or malformed, and
    pdf_text.PdfUnreadable when the PDF cannot be opened.
    """
    attachments = pdf_text.read_attachments(content)
    xml_attachments = [a for a in attachments if a.data.lstrip()[:1] in (b"<", b"\xef")]
    if not xml_attachments:
        return None
    # Refuse hostile XML before any other parser (factur-x's own) sees it.
    for attachment in xml_attachments:
        if ubl._declares_doctype(attachment.data):
            raise ubl.UnsafeXml(
                f"the attachment {attachment.name} declares a DOCTYPE, which is refused."
            )
    xml: bytes | None = None
    try:
        from facturx import get_xml_from_pdf

        _name, found = get_xml_from_pdf(content, check_xsd=False)
        xml = found or None
    except Exception as exc:  # the library wraps pypdf, whose errors are many and untyped
        logger.info("factur-x could not read the attachments: %s", exc)
    candidates = [xml] if xml else []
    candidates += [a.data for a in xml_attachments if a.data is not xml]
    for data in candidates:
        if is_cii(data):
            return EmbeddedInvoice(parse_cii(data), "facturx")
        if ubl.looks_like_ubl(data):
            return EmbeddedInvoice(ubl.parse_ubl(data), "ubl")
    return None
