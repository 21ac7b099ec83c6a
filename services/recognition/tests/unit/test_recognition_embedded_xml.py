"""Invoice XML inside PDFs (and on its own): Factur-X / ZUGFeRD 2.x, ZUGFeRD 1.0, XRechnung.

The fixtures are small documents written here (not copies of any published file): a CII
invoice that opens with a licence comment longer than any byte window, a ZUGFeRD 1.0
CrossIndustryDocument, and a UBL invoice; they are attached to a reportlab page with pypdf,
in the EmbeddedFiles name tree and/or the catalogue's /AF array as PDF/A-3 does.
"""

import io
import uuid
from decimal import Decimal

from ledgerline.devstack.paths import given_testdata
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from recognition.domain import facturx
from recognition.domain.recognize import recognize
from reportlab.pdfgen.canvas import Canvas

_LICENCE = (
    "<!--\n"
    + "Licensed under the Apache License, Version 2.0; you may not use this file except in "
    "compliance with the License. Distributed on an AS IS basis, without warranties.\n"
    * 60
    + "-->\n"
)
assert len(_LICENCE) > 8000

_CII_BODY = """<rsm:CrossIndustryInvoice
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20250902</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Druckerei Lindner GmbH</ram:Name>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE136695976</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Kanzlei Weber</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:PaymentReference>Kunde 4711</ram:PaymentReference>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:ApplicableTradeTax><ram:CalculatedAmount>38.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
    <ram:BasisAmount>200.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
    <ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:TaxBasisTotalAmount>200.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">38.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>238.00</ram:GrandTotalAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def _cii(number: str = "RE-2025-117") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + _LICENCE + _CII_BODY.format(number=number)
    ).encode()


# A ZUGFeRD 1.0 invoice (COMFORT), written for this test: CII D13B element names, no
# InvoiceCurrencyCode (the currency is stated on the amounts), a credit-note type code.
_ZUGFERD1 = (
    """<?xml version="1.0" encoding="UTF-8"?>
"""
    + _LICENCE
    + """<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
 <rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:ferd:invoice:1.0:comfort</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:SpecifiedExchangedDocumentContext>
 <rsm:HeaderExchangedDocument><ram:ID>GS-2014/77</ram:ID><ram:Name>GUTSCHRIFT</ram:Name>
  <ram:TypeCode>381</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20141105</udt:DateTimeString></ram:IssueDateTime>
 </rsm:HeaderExchangedDocument>
 <rsm:SpecifiedSupplyChainTradeTransaction>
  <ram:ApplicableSupplyChainTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Holzbau Gruber KG</ram:Name>
    <ram:PostalTradeAddress><ram:PostcodeCode>80331</ram:PostcodeCode><ram:LineOne>Marktweg 3</ram:LineOne>
     <ram:CityName>M\u00fcnchen</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="FC">143/123/45678</ram:ID></ram:SpecifiedTaxRegistration>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE136695976</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Schreinerei Huber</ram:Name>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE129273398</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:BuyerTradeParty>
  </ram:ApplicableSupplyChainTradeAgreement>
  <ram:ApplicableSupplyChainTradeSettlement>
   <ram:PaymentReference>GS-2014/77</ram:PaymentReference>
   <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>42</ram:TypeCode>
    <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>DE89 3704 0044 0532 0130 00</ram:IBANID>
    </ram:PayeePartyCreditorFinancialAccount>
   </ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:ApplicableTradeTax><ram:CalculatedAmount currencyID="EUR">7.00</ram:CalculatedAmount>
    <ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount currencyID="EUR">100.00</ram:BasisAmount>
    <ram:CategoryCode>S</ram:CategoryCode><ram:ApplicablePercent>7.00</ram:ApplicablePercent>
   </ram:ApplicableTradeTax>
   <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>
    <udt:DateTimeString format="102">20141126</udt:DateTimeString></ram:DueDateDateTime>
   </ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementMonetarySummation>
    <ram:LineTotalAmount currencyID="EUR">100.00</ram:LineTotalAmount>
    <ram:TaxBasisTotalAmount currencyID="EUR">100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">7.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount currencyID="EUR">107.00</ram:GrandTotalAmount>
    <ram:DuePayableAmount currencyID="EUR">107.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementMonetarySummation>
  </ram:ApplicableSupplyChainTradeSettlement>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:SpecifiedSupplyChainTradeAgreement><ram:NetPriceProductTradePrice>
    <ram:ChargeAmount currencyID="EUR">25.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
   </ram:SpecifiedSupplyChainTradeAgreement>
   <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="HUR">4</ram:BilledQuantity>
   </ram:SpecifiedSupplyChainTradeDelivery>
   <ram:SpecifiedSupplyChainTradeSettlement>
    <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
     <ram:ApplicablePercent>7.00</ram:ApplicablePercent></ram:ApplicableTradeTax>
    <ram:SpecifiedTradeSettlementMonetarySummation>
     <ram:LineTotalAmount currencyID="EUR">100.00</ram:LineTotalAmount>
    </ram:SpecifiedTradeSettlementMonetarySummation>
   </ram:SpecifiedSupplyChainTradeSettlement>
   <ram:SpecifiedTradeProduct><ram:Name>Zuschnitt</ram:Name></ram:SpecifiedTradeProduct>
  </ram:IncludedSupplyChainTradeLineItem>
 </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
"""
).encode()


def _page(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 760, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _pdf(
    *,
    name_tree: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    associated: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    text: str = "Rechnung 1 - Betrag 1,00 EUR",
) -> bytes:
    """A one-page PDF with files in the EmbeddedFiles name tree and/or only in /AF."""
    writer = PdfWriter(clone_from=io.BytesIO(_page(text)))
    for name, data in name_tree:
        writer.add_attachment(name, data)
    specs = ArrayObject()
    for name, data, relationship in associated:
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        stream[NameObject("/Params")] = DictionaryObject(
            {NameObject("/Size"): NumberObject(len(data))}
        )
        spec = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject(name),
                NameObject("/UF"): TextStringObject(name),
                NameObject("/AFRelationship"): NameObject(relationship),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
            }
        )
        specs.append(writer._add_object(spec))
    if specs:
        writer._root_object[NameObject("/AF")] = specs
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _read(content: bytes, content_type: str = "application/pdf"):  # type: ignore[no-untyped-def]
    return recognize(uuid.uuid4(), content, content_type)


def test_factur_x_xml_opening_with_a_long_licence_comment_is_read_from_the_xml() -> None:
    result = _read(_pdf(name_tree=[("factur-x.xml", _cii())]))
    assert (result.status, result.source) == ("ok", "facturx")
    fields = result.invoice.fields
    assert fields.invoice_number == "RE-2025-117"
    assert fields.supplier_name == "Druckerei Lindner GmbH"
    assert (fields.total_excl_vat, fields.total_vat, fields.total_incl_vat) == (
        Decimal("200.00"),
        Decimal("38.00"),
        Decimal("238.00"),
    )
    assert fields.payment_reference == "Kunde 4711"


def test_cii_xml_on_its_own_with_a_long_comment_is_read_as_factur_x() -> None:
    result = _read(_cii(), "application/xml")
    assert (result.status, result.source) == ("ok", "facturx")
    assert result.invoice.fields.invoice_number == "RE-2025-117"


def test_zugferd_1_pdf_is_read_from_its_cross_industry_document() -> None:
    result = _read(_pdf(name_tree=[("ZUGFeRD-invoice.xml", _ZUGFERD1)]))
    assert (result.status, result.source) == ("ok", "facturx")
    assert result.confidence == 1.0
    invoice = result.invoice
    assert invoice.fields.model_dump(mode="json") == {
        "document_type": "credit_note",
        "supplier_name": "Holzbau Gruber KG",
        "supplier_vat": "DE136695976",
        "customer_name": "Schreinerei Huber",
        "customer_vat": "DE129273398",
        "invoice_number": "GS-2014/77",
        "issue_date": "2014-11-05",
        "due_date": "2014-11-26",
        "currency": "EUR",
        "total_excl_vat": "100.00",
        "total_vat": "7.00",
        "total_incl_vat": "107.00",
        "iban": "DE89370400440532013000",
        "bic": None,
        "payment_reference": "GS-2014/77",
    }
    assert [(v.rate, v.taxable_amount, v.vat_amount) for v in invoice.vat_breakdown] == [
        (Decimal("7.00"), Decimal("100.00"), Decimal("7.00"))
    ]
    assert [
        (line.description, line.quantity, line.unit_price, line.net_amount, line.vat_rate)
        for line in invoice.lines
    ] == [("Zuschnitt", Decimal("4"), Decimal("25.00"), Decimal("100.00"), Decimal("7.00"))]
    assert invoice.supplier is not None and invoice.supplier.town == "München"
    assert invoice.amount_due == Decimal("107.00")


def test_zugferd_1_xml_on_its_own_is_read() -> None:
    result = _read(_ZUGFERD1, "application/xml")
    assert (result.status, result.source) == ("ok", "facturx")
    assert result.invoice.fields.total_incl_vat == Decimal("107.00")


def test_xml_attached_only_through_the_catalogue_af_array_is_found() -> None:
    # Not in the EmbeddedFiles name tree, under a name no profile uses: found by /AF.
    result = _read(_pdf(associated=[("rechnungsdaten.xml", _cii("AF-only-9"), "/Alternative")]))
    assert (result.status, result.source) == ("ok", "facturx")
    assert result.invoice.fields.invoice_number == "AF-only-9"


def test_factur_x_xml_is_preferred_to_a_zugferd_1_copy_in_the_same_pdf() -> None:
    pdf = _pdf(name_tree=[("ZUGFeRD-invoice.xml", _ZUGFERD1), ("factur-x.xml", _cii("FX-2"))])
    result = _read(pdf)
    assert (result.source, result.invoice.fields.invoice_number) == ("facturx", "FX-2")


def test_xrechnung_ubl_attachment_is_read_with_the_ubl_parser() -> None:
    ubl = (given_testdata() / "ubl" / "base-example.xml").read_bytes()
    result = _read(_pdf(associated=[("xrechnung.xml", ubl, "/Source")]))
    assert (result.status, result.source) == ("ok", "ubl")
    assert result.invoice.fields.invoice_number == "Snippet1"


def test_an_xml_attachment_that_is_no_invoice_leaves_the_page_text_to_be_read() -> None:
    other = (
        b'<?xml version="1.0"?>\n<!-- a delivery note -->\n<Lieferschein><Nr>5</Nr></Lieferschein>'
    )
    result = _read(_pdf(name_tree=[("lieferschein.xml", other)], text="Rechnung 77 EUR"))
    assert result.source == "air"


def test_invoice_xml_kind_looks_at_the_root_element_past_any_prolog() -> None:
    assert facturx.invoice_xml_kind(_cii()) == "cii"
    assert facturx.invoice_xml_kind(_ZUGFERD1) == "zugferd1"
    assert facturx.invoice_xml_kind(b"<Invoice/>") is None
    assert facturx.invoice_xml_kind(b"%PDF-1.7") is None
    ubl = (given_testdata() / "ubl" / "base-example.xml").read_bytes()
    assert facturx.invoice_xml_kind(_LICENCE.encode() + ubl.split(b"?>", 1)[1]) == "ubl"
