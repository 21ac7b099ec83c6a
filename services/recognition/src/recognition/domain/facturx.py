"""Structured invoices embedded in PDFs: Factur-X / ZUGFeRD 1.0 and 2.x, XRechnung (CII or UBL).

A PDF that carries its invoice as XML is read from that XML, exactly, like a UBL file: the
printed page is only a picture of it. The attachments are found both in the document's
EmbeddedFiles name tree and through the catalogue's associated files (`/AF`, PDF/A-3, with
their `/AFRelationship`); they are tried in the order the specifications name them
(factur-x.xml, ZUGFeRD-invoice.xml / zugferd-invoice.xml, xrechnung.xml, then any other XML)
and each is recognised by parsing it and looking at its root element, never by searching a
window of bytes (these XMLs often open with a licence comment several kilobytes long).

Two CII dialects are read here, with the same field mapping:

* CII D16B `CrossIndustryInvoice` (Factur-X 1.0, ZUGFeRD 2.x, XRechnung CII), following the
  EN 16931 mapping (profiles MINIMUM to EXTENDED);
* ZUGFeRD 1.0 `CrossIndustryDocument` (urn:ferd:CrossIndustryDocument:invoice:1p0, CII D13B
  element names: HeaderExchangedDocument, ApplicableSupplyChainTradeSettlement, ...).

A UBL Invoice / CreditNote (XRechnung UBL) is read by `ubl.parse_ubl`. Every reader returns
what the document states and never recomputes.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Final, Literal

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
    "ZF1_NS",
    "EmbeddedInvoice",
    "InvoiceXmlKind",
    "invoice_xml_kind",
    "is_cii",
    "parse_cii",
    "read_embedded_invoice",
]

CII_NS: Final = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM_NS: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT_NS: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
ZF1_NS: Final = "urn:ferd:CrossIndustryDocument:invoice:1p0"
ZF1_RAM_NS: Final = (
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
)
ZF1_UDT_NS: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"
_ROOT_TAG: Final = f"{{{CII_NS}}}CrossIndustryInvoice"
_ZF1_ROOT_TAG: Final = f"{{{ZF1_NS}}}CrossIndustryDocument"

InvoiceXmlKind = Literal["cii", "zugferd1", "ubl"]
"""What an invoice XML is, by its root element: CII D16B, ZUGFeRD 1.0, or UBL 2.1."""

# Attachment names the specifications give their invoice XML, in the order they are tried:
# Factur-X / ZUGFeRD 2.1+, ZUGFeRD 2.0, ZUGFeRD 1.0, XRechnung; other XML files after them.
_PROFILE_FILE_NAMES: Final = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
)
# PDF/A-3 relationships an invoice XML is attached with (/AFRelationship).
_INVOICE_RELATIONSHIPS: Final = frozenset({"/Data", "/Alternative", "/Source"})


@dataclass(frozen=True, slots=True)
class _Dialect:
    """Element names of one CII dialect (the field mapping is the same for both)."""

    namespaces: dict[str, str]
    document: str
    transaction: str
    agreement: str
    settlement: str
    summation: str
    rate: str
    line_agreement: str
    line_delivery: str
    line_settlement: str
    line_summation: str


_CII: Final = _Dialect(
    namespaces={"rsm": CII_NS, "ram": RAM_NS, "udt": UDT_NS},
    document="rsm:ExchangedDocument",
    transaction="rsm:SupplyChainTradeTransaction",
    agreement="ram:ApplicableHeaderTradeAgreement",
    settlement="ram:ApplicableHeaderTradeSettlement",
    summation="ram:SpecifiedTradeSettlementHeaderMonetarySummation",
    rate="ram:RateApplicablePercent",
    line_agreement="ram:SpecifiedLineTradeAgreement",
    line_delivery="ram:SpecifiedLineTradeDelivery",
    line_settlement="ram:SpecifiedLineTradeSettlement",
    line_summation="ram:SpecifiedTradeSettlementLineMonetarySummation",
)
_ZUGFERD1: Final = _Dialect(
    namespaces={"rsm": ZF1_NS, "ram": ZF1_RAM_NS, "udt": ZF1_UDT_NS},
    document="rsm:HeaderExchangedDocument",
    transaction="rsm:SpecifiedSupplyChainTradeTransaction",
    agreement="ram:ApplicableSupplyChainTradeAgreement",
    settlement="ram:ApplicableSupplyChainTradeSettlement",
    summation="ram:SpecifiedTradeSettlementMonetarySummation",
    rate="ram:ApplicablePercent",
    line_agreement="ram:SpecifiedSupplyChainTradeAgreement",
    line_delivery="ram:SpecifiedSupplyChainTradeDelivery",
    line_settlement="ram:SpecifiedSupplyChainTradeSettlement",
    line_summation="ram:SpecifiedTradeSettlementMonetarySummation",
)
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


def invoice_xml_kind(xml: bytes) -> InvoiceXmlKind | None:
    """What invoice XML this is, by its root element; None for anything else.

    Parsed with the project's safe parser settings and stopped at the first element, so a
    prolog of comments of any length is looked past, and no DOCTYPE is read (`_root` refuses
    one before the whole document is parsed).
    """
    if not isinstance(xml, bytes) or xml.lstrip()[:1] not in (b"<", b"\xef", b"\xfe", b"\xff"):
        return None
    try:
        for _event, element in etree.iterparse(
            BytesIO(xml),
            events=("start",),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        ):
            tag = element.tag
            if tag == _ROOT_TAG:
                return "cii"
            if tag == _ZF1_ROOT_TAG:
                return "zugferd1"
            if tag in ubl._UBL_ROOT_TAGS:
                return "ubl"
            return None
    except etree.XMLSyntaxError:
        return None
    return None


def is_cii(xml: bytes) -> bool:
    """Whether the root element is a CII invoice: CrossIndustryInvoice (Factur-X, ZUGFeRD 2.x,
    XRechnung CII) or ZUGFeRD 1.0's CrossIndustryDocument; both are read by `parse_cii`."""
    # Every UBL document received on its own passes here first: a root named
    # CrossIndustry... must spell that name somewhere in an ASCII-compatible document, so
    # the parse is skipped when it does not (UTF-16 documents are always parsed).
    if (
        isinstance(xml, bytes)
        and b"CrossIndustry" not in xml
        and not xml.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        return False
    return invoice_xml_kind(xml) in ("cii", "zugferd1")


# --- value readers --------------------------------------------------------------------------


def _text(element: etree._Element | None, path: str, ns: dict[str, str]) -> str | None:
    if element is None:
        return None
    found = element.find(path, ns)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _decimal(element: etree._Element | None, path: str, ns: dict[str, str]) -> Decimal | None:
    value = _text(element, path, ns)
    if value is None or not _DECIMAL.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _date(element: etree._Element | None, path: str, ns: dict[str, str]) -> date | None:
    if element is None:
        return None
    found = element.find(path, ns)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    # Format 102 (CCYYMMDD) is the only one EN 16931 (and ZUGFeRD 1.0) uses for these dates.
    if found.get("format", "102") != "102" or not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _find(element: etree._Element | None, path: str, ns: dict[str, str]) -> etree._Element | None:
    return element.find(path, ns) if element is not None else None


def _party(element: etree._Element | None, ns: dict[str, str]) -> Party | None:
    if element is None:
        return None
    vat = None
    for registration in element.iterfind("ram:SpecifiedTaxRegistration/ram:ID", ns):
        if registration.get("schemeID") == "VA" and registration.text and registration.text.strip():
            vat = registration.text.strip()
            break
    address = element.find("ram:PostalTradeAddress", ns)
    return Party(
        name=_text(element, "ram:Name", ns),
        vat=vat,
        company_id=_text(element, "ram:SpecifiedLegalOrganization/ram:ID", ns),
        street=_text(address, "ram:LineOne", ns),
        postal_code=_text(address, "ram:PostcodeCode", ns),
        town=_text(address, "ram:CityName", ns),
        country=_text(address, "ram:CountryID", ns),
    )


def _lines(transaction: etree._Element, dialect: _Dialect) -> tuple[InvoiceLine, ...]:
    ns = dialect.namespaces
    lines = []
    for item in transaction.iterfind("ram:IncludedSupplyChainTradeLineItem", ns):
        quantity = item.find(f"{dialect.line_delivery}/ram:BilledQuantity", ns)
        unit = quantity.get("unitCode") if quantity is not None else None
        name = _text(item, "ram:SpecifiedTradeProduct/ram:Name", ns)
        description = _text(item, "ram:SpecifiedTradeProduct/ram:Description", ns)
        if description and description != name:
            name = f"{name} - {description}" if name else description
        settlement = item.find(dialect.line_settlement, ns)
        lines.append(
            InvoiceLine(
                description=name,
                quantity=_decimal(item, f"{dialect.line_delivery}/ram:BilledQuantity", ns),
                unit_code=unit.strip() if unit and unit.strip() else None,
                unit_price=_decimal(
                    item,
                    f"{dialect.line_agreement}/ram:NetPriceProductTradePrice/ram:ChargeAmount",
                    ns,
                ),
                net_amount=_decimal(
                    settlement, f"{dialect.line_summation}/ram:LineTotalAmount", ns
                ),
                vat_category=_text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode", ns),
                vat_rate=_decimal(settlement, f"ram:ApplicableTradeTax/{dialect.rate}", ns),
            )
        )
    return tuple(lines)


def _tax_total(
    summation: etree._Element | None, currency: str | None, ns: dict[str, str]
) -> Decimal | None:
    """BT-110, the VAT total in the invoice currency (BT-111, in the VAT accounting
    currency, is a second TaxTotalAmount with another currencyID)."""
    if summation is None:
        return None
    totals = summation.findall("ram:TaxTotalAmount", ns)
    chosen = [t for t in totals if currency is None or t.get("currencyID") in (None, currency)]
    if len(chosen) != 1 or chosen[0].text is None:
        return None
    value = chosen[0].text.strip()
    return Decimal(value) if _DECIMAL.fullmatch(value) else None


def _stated_currency(summation: etree._Element | None, ns: dict[str, str]) -> str | None:
    """The currencyID the grand total is stated in, for documents (some ZUGFeRD 1.0 ones)
    that leave InvoiceCurrencyCode out but state the currency on every amount."""
    total = _find(summation, "ram:GrandTotalAmount", ns)
    code = (total.get("currencyID") or "").strip().upper() if total is not None else ""
    return code if re.fullmatch(r"[A-Z]{3}", code) else None


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
    """Read a CII invoice exactly: CrossIndustryInvoice (Factur-X / ZUGFeRD 2.x / XRechnung)
    or ZUGFeRD 1.0's CrossIndustryDocument.

    Raises ubl.UnsafeXml / ubl.MalformedXml / ubl.NotUbl (for a root that is neither), the
    same errors as the UBL reader so that callers handle both alike.
    """
    root = _root(xml)
    if root.tag == _ROOT_TAG:
        return _read_cross_industry(root, _CII)
    if root.tag == _ZF1_ROOT_TAG:
        return _read_cross_industry(root, _ZUGFERD1)
    raise ubl.NotUbl(
        f"the root element {root.tag} is not a CII CrossIndustryInvoice "
        "(nor a ZUGFeRD 1.0 CrossIndustryDocument)."
    )


def _read_cross_industry(root: etree._Element, dialect: _Dialect) -> InvoiceData:
    ns = dialect.namespaces
    document = root.find(dialect.document, ns)
    transaction = root.find(dialect.transaction, ns)
    agreement = _find(transaction, dialect.agreement, ns)
    settlement = _find(transaction, dialect.settlement, ns)
    seller = _party(_find(agreement, "ram:SellerTradeParty", ns), ns)
    buyer = _party(_find(agreement, "ram:BuyerTradeParty", ns), ns)
    summation = _find(settlement, dialect.summation, ns)
    currency = _text(settlement, "ram:InvoiceCurrencyCode", ns) or _stated_currency(summation, ns)
    type_code = _text(document, "ram:TypeCode", ns)
    document_type: DocumentType = (
        "credit_note" if type_code in _CREDIT_NOTE_TYPE_CODES else "invoice"
    )

    iban = bic = None
    if settlement is not None:
        for means in settlement.iterfind("ram:SpecifiedTradeSettlementPaymentMeans", ns):
            iban = _compact_iban(
                _text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID", ns)
            )
            bic = _compact_bic(
                _text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID", ns)
            )
            if iban is not None:
                break
    reference = _text(settlement, "ram:PaymentReference", ns)

    breakdown = []
    if settlement is not None:
        for tax in settlement.iterfind("ram:ApplicableTradeTax", ns):
            if _text(tax, "ram:TypeCode", ns) not in (None, "VAT"):
                continue
            base = _decimal(tax, "ram:BasisAmount", ns)
            amount = _decimal(tax, "ram:CalculatedAmount", ns)
            if base is None or amount is None:
                continue
            breakdown.append(
                VatBreakdown(
                    category=_text(tax, "ram:CategoryCode", ns),
                    rate=_decimal(tax, dialect.rate, ns),
                    taxable_amount=base,
                    vat_amount=amount,
                )
            )
    allowances = []
    if settlement is not None:
        for charge in settlement.iterfind("ram:SpecifiedTradeAllowanceCharge", ns):
            indicator = _text(charge, "ram:ChargeIndicator/udt:Indicator", ns)
            amount = _decimal(charge, "ram:ActualAmount", ns)
            if indicator not in ("true", "false") or amount is None:
                continue
            allowances.append(
                AllowanceCharge(
                    is_charge=indicator == "true",
                    amount=amount,
                    reason=_text(charge, "ram:Reason", ns),
                    vat_category=_text(charge, "ram:CategoryTradeTax/ram:CategoryCode", ns),
                    vat_rate=_decimal(charge, f"ram:CategoryTradeTax/{dialect.rate}", ns),
                )
            )
    fields = InvoiceFields(
        document_type=document_type,
        supplier_name=seller.name if seller else None,
        supplier_vat=seller.vat if seller else None,
        customer_name=buyer.name if buyer else None,
        customer_vat=buyer.vat if buyer else None,
        invoice_number=_text(document, "ram:ID", ns),
        issue_date=_date(document, "ram:IssueDateTime/udt:DateTimeString", ns),
        due_date=_date(
            settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", ns
        ),
        currency=currency,
        total_excl_vat=_decimal(summation, "ram:TaxBasisTotalAmount", ns),
        total_vat=_tax_total(summation, currency, ns),
        total_incl_vat=_decimal(summation, "ram:GrandTotalAmount", ns),
        iban=iban,
        bic=bic,
        payment_reference=ubl.normalise_payment_reference(reference) if reference else None,
    )
    return InvoiceData(
        fields=fields,
        supplier=seller,
        customer=buyer,
        lines=_lines(transaction, dialect) if transaction is not None else (),
        allowances_charges=tuple(allowances),
        vat_breakdown=tuple(breakdown),
        amount_due=_decimal(summation, "ram:DuePayableAmount", ns),
    )


# --- finding the invoice XML in a PDF -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Attachment:
    name: str
    data: bytes
    relationship: str | None = None


def _associated_files(content: bytes) -> list[_Attachment]:
    """The catalogue's associated files (/AF, PDF/A-3) with their /AFRelationship.

    PDFium lists the EmbeddedFiles name tree only; a PDF/A-3 invoice states its XML's role in
    /AF, and a file may be attached there alone. Unreadable entries are skipped: the page is
    then read as text, which is what the user would get without the attachment.
    """
    try:
        from pypdf import PdfReader
        from pypdf.generic import DictionaryObject

        reader = PdfReader(BytesIO(content), strict=False)
        catalogue = reader.trailer["/Root"].get_object()
        files = catalogue.get("/AF")
        files = files.get_object() if files is not None else []
        found: list[_Attachment] = []
        for reference in list(files)[:20]:
            spec = reference.get_object()
            if not isinstance(spec, DictionaryObject):
                continue
            embedded = spec.get("/EF")
            embedded = embedded.get_object() if embedded is not None else None
            if not isinstance(embedded, DictionaryObject):
                continue
            stream_ref = embedded.get("/UF") or embedded.get("/F")
            if stream_ref is None:
                continue
            stream = stream_ref.get_object()
            params = stream.get("/Params")
            params = params.get_object() if params is not None else {}
            declared = params.get("/Size") if isinstance(params, dict) else None
            if declared is not None and int(declared) > pdf_text.MAX_ATTACHMENT_BYTES:
                continue
            data = stream.get_data()
            if not 0 < len(data) <= pdf_text.MAX_ATTACHMENT_BYTES:
                continue
            name = str(spec.get("/UF") or spec.get("/F") or "")
            relationship = spec.get("/AFRelationship")
            found.append(
                _Attachment(name, bytes(data), str(relationship) if relationship else None)
            )
        return found
    except Exception as exc:  # pypdf's errors are many and untyped; /AF is a second source
        logger.info("the PDF's associated files (/AF) could not be read: %s", exc)
        return []


def _attachments(content: bytes) -> list[_Attachment]:
    """The name tree's files (PDFium, size-checked before loading) and the /AF files, once."""
    found = [_Attachment(a.name, a.data) for a in pdf_text.read_attachments(content)]
    # Parsing the PDF a second time (pypdf) costs a few milliseconds, a third of a text
    # PDF's reading time: it is skipped when the file holds no embedded-file stream at all.
    # Such streams cannot sit inside compressed object streams (PDF 32000 7.5.7), so their
    # "/EmbeddedFile" type is always in the file's bytes when one exists.
    if not found and b"/EmbeddedFile" not in content:
        return found
    for associated in _associated_files(content):
        same = [a for a in found if a.data == associated.data]
        for attachment in same:
            found[found.index(attachment)] = _Attachment(
                attachment.name or associated.name, attachment.data, associated.relationship
            )
        if not same:
            found.append(associated)
    return found


def _attachment_rank(attachment: _Attachment) -> tuple[int, int]:
    """Profile file names first (in the specifications' order), then XML by relationship,
    then any other file; a file that is not XML at all is never tried."""
    name = attachment.name.strip().casefold()
    if name in _PROFILE_FILE_NAMES:
        return 0, _PROFILE_FILE_NAMES.index(name)
    if attachment.relationship in _INVOICE_RELATIONSHIPS:
        return 1, 0
    if name.endswith(".xml"):
        return 2, 0
    return 3, 0


def read_embedded_invoice(content: bytes) -> EmbeddedInvoice | None:
    """The invoice XML embedded in a PDF, read exactly; None when there is none.

    Every attachment (EmbeddedFiles name tree and the catalogue's /AF) that parses as an
    invoice XML is a candidate; the first in `_attachment_rank` order is read. Raises
    ubl.UblError subclasses when that XML is unsafe or malformed, and
    pdf_text.PdfUnreadable when the PDF cannot be opened.
    """
    attachments = _attachments(content)
    xml_attachments = [a for a in attachments if a.data.lstrip()[:1] in (b"<", b"\xef")]
    if not xml_attachments:
        return None
    # Refuse hostile XML before any parser sees more than its prolog.
    for attachment in xml_attachments:
        if ubl._declares_doctype(attachment.data):
            raise ubl.UnsafeXml(
                f"the attachment {attachment.name} declares a DOCTYPE, which is refused."
            )
    for attachment in sorted(xml_attachments, key=_attachment_rank):
        kind = invoice_xml_kind(attachment.data)
        if kind in ("cii", "zugferd1"):
            return EmbeddedInvoice(parse_cii(attachment.data), "facturx")
        if kind == "ubl":
            return EmbeddedInvoice(ubl.parse_ubl(attachment.data), "ubl")
    return None
