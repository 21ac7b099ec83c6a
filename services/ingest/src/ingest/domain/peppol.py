"""Who an e-invoice is addressed to: the buyer's identifiers in a UBL or CII document.

A Peppol access point (or another connector) delivers an invoice without naming a dossier; the
dossier is the office's one whose VAT number is the buyer's. The buyer is found by:

- UBL (Invoice, CreditNote): `AccountingCustomerParty/Party`: the VAT number in
  `PartyTaxScheme/CompanyID`, the Peppol participant id in `EndpointID` (and the ids in
  `PartyIdentification` and `PartyLegalEntity/CompanyID`) with their `schemeID`;
- CII (CrossIndustryInvoice): `BuyerTradeParty`: `SpecifiedTaxRegistration/ID`, `GlobalID`,
  `ID` and `URIUniversalCommunication/URIID`, with their `schemeID`.

Scheme 0208 is the Belgian enterprise number (KBO/BCE: ten digits), whose VAT number is BE and
the same ten digits; 9925 is a Belgian VAT number. Every identifier becomes a VAT number written
as country code and digits (BE0123456749), which is how dossiers are compared.
"""

import re

from ledgerline.xml import safe_parser
from lxml import etree

BELGIAN_ENTERPRISE_SCHEME = "0208"
BELGIAN_VAT_SCHEME = "9925"


class NoBuyer(ValueError):
    """The document names no buyer ingest can match; the message says why."""


def normalise_vat(value: str) -> str:
    """`be 0123.456.749` → `BE0123456749`: letters and digits only, upper case."""
    return re.sub(r"[^A-Za-z0-9]", "", value).upper()


def as_vat_number(value: str, scheme: str | None) -> str | None:
    """The VAT number an identifier stands for, or None when it stands for none we know."""
    cleaned = normalise_vat(value.split(":", 1)[1] if ":" in value else value)
    if scheme == BELGIAN_ENTERPRISE_SCHEME or (
        scheme is None and re.fullmatch(r"[01]\d{9}", cleaned)
    ):
        return f"BE{cleaned}" if re.fullmatch(r"[01]\d{9}", cleaned) else None
    if re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", cleaned) and scheme in (
        None,
        BELGIAN_VAT_SCHEME,
        "VA",
    ):
        return cleaned
    return None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _children(element: etree._Element, *path: str) -> list[etree._Element]:
    found = [element]
    for name in path:
        found = [child for parent in found for child in parent if _local(child) == name]
    return found


def buyer_vat_numbers(content: bytes) -> list[str]:
    """The buyer's VAT numbers the document states, most authoritative first, no repeats."""
    try:
        root = etree.fromstring(content, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise NoBuyer(f"the body is not well-formed XML: {exc}") from exc
    kind = _local(root)
    identifiers: list[etree._Element] = []
    if kind in ("Invoice", "CreditNote"):
        for party in _children(root, "AccountingCustomerParty", "Party"):
            identifiers += _children(party, "PartyTaxScheme", "CompanyID")
            identifiers += _children(party, "EndpointID")
            identifiers += _children(party, "PartyLegalEntity", "CompanyID")
            identifiers += _children(party, "PartyIdentification", "ID")
    elif kind == "CrossIndustryInvoice":
        for party in _children(
            root,
            "SupplyChainTradeTransaction",
            "ApplicableHeaderTradeAgreement",
            "BuyerTradeParty",
        ):
            identifiers += _children(party, "SpecifiedTaxRegistration", "ID")
            identifiers += _children(party, "URIUniversalCommunication", "URIID")
            identifiers += _children(party, "SpecifiedLegalOrganization", "ID")
            identifiers += _children(party, "GlobalID")
            identifiers += _children(party, "ID")
    else:
        raise NoBuyer(
            f"the document is a {kind}, not a UBL Invoice or CreditNote or a CII "
            "CrossIndustryInvoice"
        )
    numbers: list[str] = []
    for identifier in identifiers:
        number = as_vat_number(identifier.text or "", identifier.get("schemeID"))
        if number and number not in numbers:
            numbers.append(number)
    if not numbers:
        raise NoBuyer(
            "the document states no buyer VAT number or Peppol participant id (scheme 0208 or "
            "9925) to find the dossier by"
        )
    return numbers
