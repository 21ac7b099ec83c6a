"""The buyer of an e-invoice, by which a Peppol delivery finds its dossier."""

import pytest
from ingest.domain.peppol import NoBuyer, as_vat_number, buyer_vat_numbers

UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>2026-0042</cbc:ID>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0208">0999999999</cbc:EndpointID>
    <cac:PartyTaxScheme><cbc:CompanyID>BE0999999999</cbc:CompanyID></cac:PartyTaxScheme>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>{buyer}</cac:Party></cac:AccountingCustomerParty>
</Invoice>"""

CII = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>
    <ram:SellerTradeParty><ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">BE0999999999</ram:ID>
    </ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
    <ram:BuyerTradeParty>{buyer}</ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


@pytest.mark.parametrize(
    ("buyer", "numbers"),
    [
        (
            '<cbc:EndpointID schemeID="0208">0123456749</cbc:EndpointID>',
            ["BE0123456749"],
        ),
        (
            '<cbc:EndpointID schemeID="9925">be 0123.456.749</cbc:EndpointID>',
            ["BE0123456749"],
        ),
        (
            "<cac:PartyTaxScheme><cbc:CompanyID>BE 0123.456.749</cbc:CompanyID></cac:PartyTaxScheme>"
            '<cbc:EndpointID schemeID="0208">0123456749</cbc:EndpointID>',
            ["BE0123456749"],
        ),
        (
            '<cbc:EndpointID schemeID="0088">5790000435975</cbc:EndpointID>'
            '<cac:PartyLegalEntity><cbc:CompanyID schemeID="0208">0123.456.749</cbc:CompanyID>'
            "</cac:PartyLegalEntity>",
            ["BE0123456749"],
        ),
    ],
)
def test_the_buyer_of_a_ubl_invoice_is_found_by_vat_number_or_participant_id(
    buyer: str, numbers: list[str]
) -> None:
    assert buyer_vat_numbers(UBL.format(buyer=buyer).encode()) == numbers


def test_the_buyer_of_a_cii_invoice_is_found_and_the_seller_is_not() -> None:
    buyer = (
        '<ram:URIUniversalCommunication><ram:URIID schemeID="0208">0123456749</ram:URIID>'
        "</ram:URIUniversalCommunication>"
    )
    assert buyer_vat_numbers(CII.format(buyer=buyer).encode()) == ["BE0123456749"]


def test_a_document_without_a_usable_buyer_id_is_refused_with_a_reason() -> None:
    only_gln = '<cbc:EndpointID schemeID="0088">5790000435975</cbc:EndpointID>'
    with pytest.raises(NoBuyer, match="no buyer VAT number or Peppol participant id"):
        buyer_vat_numbers(UBL.format(buyer=only_gln).encode())


def test_an_xml_that_is_no_invoice_is_refused_naming_what_it_is() -> None:
    with pytest.raises(NoBuyer, match="the document is a Order, not a UBL Invoice"):
        buyer_vat_numbers(b"<Order/>")


@pytest.mark.parametrize(
    ("value", "scheme", "vat"),
    [
        ("0208:0123456749", None, "BE0123456749"),
        ("0123456749", "0208", "BE0123456749"),
        ("123", "0208", None),
        ("NL123456789B01", None, "NL123456789B01"),
        ("5790000435975", "0088", None),
    ],
)
def test_identifiers_become_vat_numbers(value: str, scheme: str | None, vat: str | None) -> None:
    assert as_vat_number(value, scheme) == vat
