"""Reading UBL 2.1 invoices and credit notes (Peppol BIS Billing 3.0, EN 16931) exactly.

Only what the document states is returned; nothing is inferred or recomputed. A value that is
absent, or present but not in the form the UBL schema prescribes (an amount such as "12,50",
a date such as "13/11/2017"), is reported as None rather than repaired.

Choices that are not dictated by the standard:

* Text values are stripped of surrounding whitespace (pretty-printed XML adds it); inner
  whitespace is kept. Identifiers such as VAT numbers are returned as written, not normalised.
* `InvoiceLine.unit_price` is `cac:Price/cbc:PriceAmount` as written: the EN 16931 item net
  price (BT-146), which is per `cbc:BaseQuantity` (BT-149) units when a base quantity is given.
  It is not divided by the base quantity, because that division can produce a value the
  document never stated (e.g. 10 / 3).
* `InvoiceLine.description` is `cac:Item/cbc:Name`; the item's `cbc:Description` texts that
  differ from the name are appended after " - " (several are joined with a space).
* `iban` is the first payee account id that is a valid IBAN (compact, upper case); an account
  id that is not a valid IBAN is never put in that field. `bic` is the
  `FinancialInstitutionBranch/ID` of that same account (or of the first payee account when none
  is an IBAN), compact and upper case, and only when it is a structurally valid BIC.
* `payment_reference` is the first `cac:PaymentMeans/cbc:PaymentID`: a valid Belgian OGM/VCS is
  returned as `+++ddd/dddd/ddddd+++`, a valid ISO 11649 reference in compact form, anything else
  (including an OGM with wrong check digits) exactly as written.
* Only VAT subtotals are returned in the VAT breakdown: a subtotal whose tax scheme is stated
  and is not "VAT" is left out.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from io import BytesIO
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
from stdnum import iso11649
from stdnum.be import ogm_vcs

__all__ = [
    "DEFAULT_MAX_UBL_BYTES",
    "DocumentTooLarge",
    "MalformedXml",
    "NotUbl",
    "UblError",
    "UnsafeXml",
    "looks_like_ubl",
    "normalise_payment_reference",
    "parse_ubl",
]

DEFAULT_MAX_UBL_BYTES: Final = 20 * 1024 * 1024
"""Largest UBL document accepted by default; real invoices are far smaller, even with lines."""

INVOICE_NS: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC_NS: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC_NS: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

_INVOICE_TAG: Final = f"{{{INVOICE_NS}}}Invoice"
_CREDIT_NOTE_TAG: Final = f"{{{CREDIT_NOTE_NS}}}CreditNote"
_UBL_ROOT_TAGS: Final = frozenset({_INVOICE_TAG, _CREDIT_NOTE_TAG})

# UNTDID 1001 codes that the EN 16931 validation artefacts (1.3.15/1.3.16) list as credit notes.
# An Invoice root carrying one of them is a credit note in substance.
_CREDIT_NOTE_TYPE_CODES: Final = frozenset(
    ["81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"]
)


class UblError(ValueError):
    """A document that recognition cannot read as UBL; the message says why in one sentence."""


class NotUbl(UblError):
    """Well-formed XML whose root is not a UBL 2.1 Invoice or CreditNote."""


class UnsafeXml(UblError):
    """XML refused as a hazard: a DOCTYPE (entity expansion, external entities), a document
    over the size limit, or one that trips libxml2's limits (nesting depth, text size)."""


class DocumentTooLarge(UnsafeXml):
    """Input larger than the configured maximum, refused before parsing."""


class MalformedXml(UblError):
    """Input that is not well-formed XML."""


def _clark(path: str) -> str:
    """Turn "cac:A/cbc:B" into the Clark notation lxml's find() compiles once and caches."""
    prefixes = {"cac": CAC_NS, "cbc": CBC_NS}
    steps = []
    for step in path.split("/"):
        prefix, local = step.split(":")
        steps.append(f"{{{prefixes[prefix]}}}{local}")
    return "/".join(steps)


class _P:
    """Element paths, resolved to Clark notation once at import."""

    ID = _clark("cbc:ID")
    ISSUE_DATE = _clark("cbc:IssueDate")
    DUE_DATE = _clark("cbc:DueDate")
    INVOICE_TYPE_CODE = _clark("cbc:InvoiceTypeCode")
    CURRENCY = _clark("cbc:DocumentCurrencyCode")

    SUPPLIER_PARTY = _clark("cac:AccountingSupplierParty/cac:Party")
    CUSTOMER_PARTY = _clark("cac:AccountingCustomerParty/cac:Party")
    REGISTRATION_NAME = _clark("cac:PartyLegalEntity/cbc:RegistrationName")
    LEGAL_COMPANY_ID = _clark("cac:PartyLegalEntity/cbc:CompanyID")
    PARTY_NAME = _clark("cac:PartyName/cbc:Name")
    PARTY_TAX_SCHEME = _clark("cac:PartyTaxScheme")
    COMPANY_ID = _clark("cbc:CompanyID")
    TAX_SCHEME_ID = _clark("cac:TaxScheme/cbc:ID")
    STREET = _clark("cac:PostalAddress/cbc:StreetName")
    POSTAL_ZONE = _clark("cac:PostalAddress/cbc:PostalZone")
    CITY = _clark("cac:PostalAddress/cbc:CityName")
    COUNTRY = _clark("cac:PostalAddress/cac:Country/cbc:IdentificationCode")

    PAYMENT_MEANS = _clark("cac:PaymentMeans")
    PAYMENT_MEANS_DUE_DATE = _clark("cac:PaymentMeans/cbc:PaymentDueDate")
    PAYMENT_TERMS_DUE_DATE = _clark("cac:PaymentTerms/cbc:PaymentDueDate")
    PAYMENT_ID = _clark("cbc:PaymentID")
    PAYEE_ACCOUNT = _clark("cac:PayeeFinancialAccount")
    BRANCH_ID = _clark("cac:FinancialInstitutionBranch/cbc:ID")

    ALLOWANCE_CHARGE = _clark("cac:AllowanceCharge")
    CHARGE_INDICATOR = _clark("cbc:ChargeIndicator")
    AMOUNT = _clark("cbc:Amount")
    REASON = _clark("cbc:AllowanceChargeReason")
    TAX_CATEGORY = _clark("cac:TaxCategory")
    PERCENT = _clark("cbc:Percent")

    TAX_TOTAL = _clark("cac:TaxTotal")
    TAX_AMOUNT = _clark("cbc:TaxAmount")
    TAX_SUBTOTAL = _clark("cac:TaxSubtotal")
    TAXABLE_AMOUNT = _clark("cbc:TaxableAmount")

    TAX_EXCLUSIVE = _clark("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    TAX_INCLUSIVE = _clark("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    PAYABLE = _clark("cac:LegalMonetaryTotal/cbc:PayableAmount")

    INVOICE_LINE = _clark("cac:InvoiceLine")
    INVOICED_QUANTITY = _clark("cbc:InvoicedQuantity")
    CREDIT_NOTE_LINE = _clark("cac:CreditNoteLine")
    CREDITED_QUANTITY = _clark("cbc:CreditedQuantity")
    ITEM_DESCRIPTION = _clark("cac:Item/cbc:Description")


class _T:
    """Single element names, for matching children found in one pass."""

    ID = _clark("cbc:ID")
    ITEM = _clark("cac:Item")
    PRICE = _clark("cac:Price")
    NAME = _clark("cbc:Name")
    CLASSIFIED_TAX_CATEGORY = _clark("cac:ClassifiedTaxCategory")
    PRICE_AMOUNT = _clark("cbc:PriceAmount")
    LINE_EXTENSION = _clark("cbc:LineExtensionAmount")
    PERCENT = _clark("cbc:Percent")


# --- safe parsing ---------------------------------------------------------------------------


# libxml2 stops on these when huge_tree is off: deep nesting, giant text nodes, entity loops.
_LIMIT_ERRORS: Final = frozenset(
    {
        etree.ErrorTypes.ERR_RESOURCE_LIMIT,
        etree.ErrorTypes.ERR_ENTITY_LOOP,
        etree.ErrorTypes.ERR_NAME_TOO_LONG,
    }
)


def _ascii_compatible_head(data: bytes) -> bytes:
    """The document in an encoding where "<!DOCTYPE" is plain ASCII bytes."""
    for marker, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\x00<", "utf-32-be"),
        (b"<\x00\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\x00<", "utf-16-be"),
        (b"<\x00", "utf-16-le"),
    ):
        if data.startswith(marker):
            return data.decode(codec, errors="replace").encode("utf-8", errors="replace")
    return data


def _declares_doctype(data: bytes) -> bool:
    """Whether the prolog (before the root element) contains a DOCTYPE declaration.

    Checked before parsing because libxml2 reads the internal subset, and so meets entity
    bombs, before any tree exists to inspect. A linear scan instead of a regular expression,
    so that a prolog full of comments cannot cause catastrophic backtracking.
    """
    text = _ascii_compatible_head(data)
    position = 3 if text.startswith(b"\xef\xbb\xbf") else 0
    length = len(text)
    while position < length:
        if text[position] in b" \t\r\n":
            position += 1
        elif text.startswith(b"<?", position):
            end = text.find(b"?>", position + 2)
            if end < 0:
                return False
            position = end + 2
        elif text.startswith(b"<!--", position):
            end = text.find(b"-->", position + 4)
            if end < 0:
                return False
            position = end + 3
        else:
            return text.startswith(b"<!DOCTYPE", position)
    return False


def _parse_root(xml: bytes, max_bytes: int) -> etree._Element:
    if not isinstance(xml, bytes):
        raise TypeError(f"parse_ubl expects bytes, not {type(xml).__name__}")
    if len(xml) > max_bytes:
        raise DocumentTooLarge(
            f"the document is {len(xml)} bytes, more than the {max_bytes} bytes accepted for UBL."
        )
    if _declares_doctype(xml):
        raise UnsafeXml(
            "the XML declares a DOCTYPE, which is refused so that no entity can be expanded "
            "or loaded."
        )
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        if exc.code in _LIMIT_ERRORS:
            raise UnsafeXml(f"the XML exceeds the parser's safety limits ({exc.msg}).") from exc
        raise MalformedXml(f"the document is not well-formed XML ({exc.msg}).") from exc
    docinfo = root.getroottree().docinfo
    # Second line of defence for encodings the prolog scan does not decode (e.g. EBCDIC).
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXml(
            "the XML declares a DOCTYPE, which is refused so that no entity can be expanded "
            "or loaded."
        )
    if root.tag not in _UBL_ROOT_TAGS:
        raise NotUbl(f"the root element {root.tag} is not a UBL 2.1 Invoice or CreditNote.")
    return root


def looks_like_ubl(data: bytes) -> bool:
    """Whether the root element is a UBL 2.1 Invoice or CreditNote; reads only the start."""
    if not isinstance(data, bytes):
        return False
    try:
        events = etree.iterparse(
            BytesIO(data),
            events=("start",),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
        )
        for _event, element in events:
            return element.tag in _UBL_ROOT_TAGS
    except etree.XMLSyntaxError:
        return False
    return False


# --- value readers --------------------------------------------------------------------------

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_OGM = re.compile(
    r"(?P<open>\+\+\+|\*\*\*)?\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?P<close>\+\+\+|\*\*\*)?"
)


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _decimal_of(value: str | None) -> Decimal | None:
    # xsd:decimal only: Decimal() alone would also accept "1e3", "NaN" or "1_000".
    if value is None or not _DECIMAL.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _decimal(element: etree._Element | None, path: str) -> Decimal | None:
    return _decimal_of(_text(element, path))


def _date(element: etree._Element, path: str) -> date | None:
    value = _text(element, path)
    match = _DATE.fullmatch(value) if value is not None else None
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _boolean(element: etree._Element, path: str) -> bool | None:
    value = _text(element, path)
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


# --- document parts -------------------------------------------------------------------------


def _party(party: etree._Element | None) -> Party | None:
    if party is None:
        return None
    vat = None
    for scheme in party.iterfind(_P.PARTY_TAX_SCHEME):
        if _text(scheme, _P.TAX_SCHEME_ID) == "VAT":
            vat = _text(scheme, _P.COMPANY_ID)
            if vat is not None:
                break
    return Party(
        name=_text(party, _P.REGISTRATION_NAME) or _text(party, _P.PARTY_NAME),
        vat=vat,
        company_id=_text(party, _P.LEGAL_COMPANY_ID),
        street=_text(party, _P.STREET),
        postal_code=_text(party, _P.POSTAL_ZONE),
        town=_text(party, _P.CITY),
        country=_text(party, _P.COUNTRY),
    )


def _document_type(root: etree._Element) -> DocumentType:
    if root.tag == _CREDIT_NOTE_TAG:
        return "credit_note"
    if _text(root, _P.INVOICE_TYPE_CODE) in _CREDIT_NOTE_TYPE_CODES:
        return "credit_note"
    return "invoice"


def _due_date(root: etree._Element) -> date | None:
    # Invoices carry BT-9 in cbc:DueDate; credit notes (no cbc:DueDate in UBL 2.1) in
    # PaymentMeans/PaymentDueDate; some senders use PaymentTerms/PaymentDueDate.
    for path in (_P.DUE_DATE, _P.PAYMENT_MEANS_DUE_DATE, _P.PAYMENT_TERMS_DUE_DATE):
        found = _date(root, path)
        if found is not None:
            return found
    return None


def _children(element: etree._Element | None) -> dict[str, etree._Element]:
    """First child per tag, in one pass: lines are the bulk of a large invoice, and one walk
    over a line's children is cheaper than a find() per field."""
    found: dict[str, etree._Element] = {}
    if element is not None:
        for child in element:
            found.setdefault(child.tag, child)
    return found


def _own_text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _lines(root: etree._Element) -> tuple[InvoiceLine, ...]:
    if root.tag == _CREDIT_NOTE_TAG:
        line_path, quantity_tag = _P.CREDIT_NOTE_LINE, _P.CREDITED_QUANTITY
    else:
        line_path, quantity_tag = _P.INVOICE_LINE, _P.INVOICED_QUANTITY
    lines = []
    for line in root.iterfind(line_path):
        parts = _children(line)
        item = _children(parts.get(_T.ITEM))
        tax_category = _children(item.get(_T.CLASSIFIED_TAX_CATEGORY))
        price = _children(parts.get(_T.PRICE))
        quantity = parts.get(quantity_tag)
        unit_code = (quantity.get("unitCode") or "").strip() if quantity is not None else ""
        lines.append(
            InvoiceLine(
                description=_line_description(line, item),
                quantity=_decimal_of(_own_text(quantity)),
                unit_code=unit_code or None,
                unit_price=_decimal_of(_own_text(price.get(_T.PRICE_AMOUNT))),
                net_amount=_decimal_of(_own_text(parts.get(_T.LINE_EXTENSION))),
                vat_category=_own_text(tax_category.get(_T.ID)),
                vat_rate=_decimal_of(_own_text(tax_category.get(_T.PERCENT))),
            )
        )
    return tuple(lines)


def _line_description(line: etree._Element, item: dict[str, etree._Element]) -> str | None:
    name = _own_text(item.get(_T.NAME))
    # An item may carry several cbc:Description elements; all of them are kept.
    descriptions = [
        text
        for element in line.iterfind(_P.ITEM_DESCRIPTION)
        if (text := _own_text(element)) is not None and text != name
    ]
    if not descriptions:
        return name
    description = " ".join(descriptions)
    return description if name is None else f"{name} - {description}"


def _allowances_charges(root: etree._Element) -> tuple[AllowanceCharge, ...]:
    # Direct children only: line-level and price-level allowances are already in the line
    # net amounts.
    result = []
    for element in root.iterfind(_P.ALLOWANCE_CHARGE):
        is_charge = _boolean(element, _P.CHARGE_INDICATOR)
        amount = _decimal(element, _P.AMOUNT)
        if is_charge is None or amount is None:
            continue
        tax_category = element.find(_P.TAX_CATEGORY)
        result.append(
            AllowanceCharge(
                is_charge=is_charge,
                amount=amount,
                reason=_text(element, _P.REASON),
                vat_category=_text(tax_category, _P.ID),
                vat_rate=_decimal(tax_category, _P.PERCENT),
            )
        )
    return tuple(result)


def _document_tax_total(root: etree._Element, currency: str | None) -> etree._Element | None:
    """The TaxTotal in the document currency (a second one may be in the VAT accounting
    currency, BT-111); None when that cannot be decided from the document."""
    candidates = []
    for tax_total in root.iterfind(_P.TAX_TOTAL):
        amount = tax_total.find(_P.TAX_AMOUNT)
        stated = amount.get("currencyID") if amount is not None else None
        if stated is None or currency is None or stated.strip() == currency:
            candidates.append(tax_total)
    if len(candidates) == 1:
        return candidates[0]
    with_subtotals = [t for t in candidates if t.find(_P.TAX_SUBTOTAL) is not None]
    if len(with_subtotals) == 1:
        return with_subtotals[0]
    return None


def _vat_breakdown(tax_total: etree._Element | None) -> tuple[VatBreakdown, ...]:
    if tax_total is None:
        return ()
    result = []
    for subtotal in tax_total.iterfind(_P.TAX_SUBTOTAL):
        tax_category = subtotal.find(_P.TAX_CATEGORY)
        scheme = _text(tax_category, _P.TAX_SCHEME_ID)
        if scheme is not None and scheme != "VAT":
            continue
        taxable = _decimal(subtotal, _P.TAXABLE_AMOUNT)
        vat = _decimal(subtotal, _P.TAX_AMOUNT)
        if taxable is None or vat is None:
            continue
        result.append(
            VatBreakdown(
                category=_text(tax_category, _P.ID),
                rate=_decimal(tax_category, _P.PERCENT),
                taxable_amount=taxable,
                vat_amount=vat,
            )
        )
    return tuple(result)


def _compact_iban(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return IBAN(value).compact
    except SchwiftyException:
        return None


def _compact_bic(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return BIC(value).compact
    except SchwiftyException:
        return None


def _payment_account(root: etree._Element) -> tuple[str | None, str | None]:
    """IBAN and BIC of the first payee account that is an IBAN (else BIC of the first account)."""
    first_account: etree._Element | None = None
    for account in root.iterfind(f"{_P.PAYMENT_MEANS}/{_P.PAYEE_ACCOUNT}"):
        if first_account is None:
            first_account = account
        iban = _compact_iban(_text(account, _P.ID))
        if iban is not None:
            return iban, _compact_bic(_text(account, _P.BRANCH_ID))
    return None, _compact_bic(_text(first_account, _P.BRANCH_ID))


def normalise_payment_reference(value: str) -> str:
    """An OGM/VCS as +++ddd/dddd/ddddd+++, an RF reference compact, anything else unchanged."""
    match = _OGM.fullmatch(value)
    if match is not None and match["open"] == match["close"]:
        digits = match[2] + match[3] + match[4]
        if ogm_vcs.is_valid(digits):
            return f"+++{ogm_vcs.format(digits)}+++"
    if iso11649.is_valid(value):
        return iso11649.compact(value)
    return value


def _payment_reference(root: etree._Element) -> str | None:
    for means in root.iterfind(_P.PAYMENT_MEANS):
        value = _text(means, _P.PAYMENT_ID)
        if value is not None:
            return normalise_payment_reference(value)
    return None


# --- entry point ----------------------------------------------------------------------------


def parse_ubl(xml: bytes, *, max_bytes: int = DEFAULT_MAX_UBL_BYTES) -> InvoiceData:
    """Read a UBL 2.1 Invoice or CreditNote.

    Raises DocumentTooLarge (an UnsafeXml) above `max_bytes`, UnsafeXml when the document has a
    DOCTYPE or exceeds the parser's limits, MalformedXml when it is not well-formed, NotUbl when
    the root is something else; TypeError for anything but bytes.
    """
    root = _parse_root(xml, max_bytes)
    supplier = _party(root.find(_P.SUPPLIER_PARTY))
    customer = _party(root.find(_P.CUSTOMER_PARTY))
    currency = _text(root, _P.CURRENCY)
    tax_total = _document_tax_total(root, currency)
    iban, bic = _payment_account(root)
    fields = InvoiceFields(
        document_type=_document_type(root),
        supplier_name=supplier.name if supplier is not None else None,
        supplier_vat=supplier.vat if supplier is not None else None,
        customer_name=customer.name if customer is not None else None,
        customer_vat=customer.vat if customer is not None else None,
        invoice_number=_text(root, _P.ID),
        issue_date=_date(root, _P.ISSUE_DATE),
        due_date=_due_date(root),
        currency=currency,
        total_excl_vat=_decimal(root, _P.TAX_EXCLUSIVE),
        total_vat=_decimal(tax_total, _P.TAX_AMOUNT),
        total_incl_vat=_decimal(root, _P.TAX_INCLUSIVE),
        iban=iban,
        bic=bic,
        payment_reference=_payment_reference(root),
    )
    return InvoiceData(
        fields=fields,
        supplier=supplier,
        customer=customer,
        lines=_lines(root),
        allowances_charges=_allowances_charges(root),
        vat_breakdown=_vat_breakdown(tax_total),
        amount_due=_decimal(root, _P.PAYABLE),
    )
