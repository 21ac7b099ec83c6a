"""Recognition of PDFs and images: text PDFs (AIR), scans (OCR), Factur-X and embedded UBL,
hostile and broken files, and the `extract` command line.

The invoices are real PDFs drawn by the benchmark's corpus generator (reportlab) in tmp_path;
the expected values are the generator's truth (what is printed on the page), never the
recogniser's output.
"""

import argparse
import importlib.util
import io
import json
import random
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pypdfium2 as pdfium
import pytest
from facturx import generate_from_binary
from ledgerline.devstack.paths import given_testdata
from PIL import Image
from recognition.domain.amounts_dates import find_amounts, parse_amount, parse_date
from recognition.domain.content_type import sniff_content_type
from recognition.domain.identifiers import (
    find_ibans,
    find_payment_references,
    find_vat_numbers,
)
from recognition.domain.recognize import MAX_PDF_PAGES, recognize
from recognition.entrypoints import extract_cli
from reportlab.pdfgen.canvas import Canvas

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("recognition_bench_corpus", BENCH / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


def _spec(seed: int, **pins: Any) -> Any:
    return corpus.random_spec(random.Random(seed), 0, **pins)


def _fields(content: bytes) -> tuple[Any, dict[str, Any]]:
    result = recognize(uuid.uuid4(), content, sniff_content_type(content) or "")
    assert result.invoice is not None, result.reason
    return result, result.invoice.fields.model_dump(mode="json")


def _assert_read_exactly(spec: Any, tmp_path: Path) -> Any:
    pdf = corpus.render_pdf(spec)
    (tmp_path / f"{spec.layout}-{spec.language}.pdf").write_bytes(pdf)
    result, fields = _fields(pdf)
    assert fields == spec.truth()
    assert result.status == "ok"
    assert result.source == "air"
    assert result.reason is None
    assert 0.7 <= result.confidence <= 1.0
    found_lines = [line.model_dump(mode="json") for line in result.invoice.lines]
    expected_nets = [line["net_amount"] for line in spec.truth_lines()]
    assert [line["net_amount"] for line in found_lines] == expected_nets
    return result


# --- text PDFs ----------------------------------------------------------------------------


def test_dutch_invoice_with_structured_communication(tmp_path: Path) -> None:
    spec = _spec(101, layout="classic", language="nl", credit=False, reference="ogm")
    result = _assert_read_exactly(spec, tmp_path)
    reference = result.invoice.fields.payment_reference
    assert reference.startswith("+++") and reference.endswith("+++")
    assert reference == spec.payment_reference


def test_french_invoice_with_vat_breakdown_grid(tmp_path: Path) -> None:
    spec = _spec(202, layout="grid", language="fr", credit=False, item_count=4)
    result = _assert_read_exactly(spec, tmp_path)
    lines = result.invoice.lines
    assert [line.description for line in lines] == [item.description for item in spec.items]
    assert [line.quantity for line in lines] == [item.quantity for item in spec.items]


def test_english_invoice_from_another_eu_country(tmp_path: Path) -> None:
    spec = _spec(303, layout="foreign", credit=False)
    assert spec.supplier.country != "BE"
    _assert_read_exactly(spec, tmp_path)


def test_credit_note_is_recognised_as_such(tmp_path: Path) -> None:
    spec = _spec(404, layout="footer", language="nl", credit=True)
    result = _assert_read_exactly(spec, tmp_path)
    assert result.invoice.fields.document_type == "credit_note"
    assert result.invoice.fields.total_incl_vat > 0


def test_letter_style_invoice_without_labels_for_date_and_supplier(tmp_path: Path) -> None:
    spec = _spec(505, layout="letter", language="nl", credit=False, reference="rf")
    _assert_read_exactly(spec, tmp_path)


# --- scans --------------------------------------------------------------------------------


def test_scanned_invoice_is_read_with_ocr(tmp_path: Path) -> None:
    spec = _spec(606, layout="classic", language="nl", credit=False, item_count=2)
    scan = corpus.rasterise(corpus.render_pdf(spec), random.Random(6), "png")
    (tmp_path / "scan.png").write_bytes(scan)
    result, fields = _fields(scan)
    assert result.source == "ocr"
    assert fields["invoice_number"] == spec.number
    assert Decimal(fields["total_incl_vat"]) == spec.total_incl
    assert fields["issue_date"] == spec.issue.isoformat()


def test_missing_tesseract_is_a_retryable_ocr_status(monkeypatch: pytest.MonkeyPatch) -> None:
    image = Image.new("L", (200, 100), 255)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    monkeypatch.setenv("PATH", "/nonexistent")
    result = recognize(uuid.uuid4(), buffer.getvalue(), "image/png")
    assert result.status == "ocr"
    assert result.reason and "tesseract" in result.reason.lower()


# --- structured invoices inside PDFs --------------------------------------------------------

_CII = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
 xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>FX-2026-0042</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20260314</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
   <ram:SpecifiedTradeProduct><ram:Name>Brood</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>
    <ram:ChargeAmount>50.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
   <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">2</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement>
    <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
     <ram:RateApplicablePercent>6</ram:RateApplicablePercent></ram:ApplicableTradeTax>
    <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>100.00</ram:LineTotalAmount>
    </ram:SpecifiedTradeSettlementLineMonetarySummation>
   </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Bakkerij Peeters BV</ram:Name>
    <ram:PostalTradeAddress><ram:PostcodeCode>2000</ram:PostcodeCode><ram:LineOne>Kerkstraat 1</ram:LineOne>
     <ram:CityName>Antwerpen</ram:CityName><ram:CountryID>BE</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">BE0403170701</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Fiduciaire Janssens BV</ram:Name>
    <ram:PostalTradeAddress><ram:PostcodeCode>9000</ram:PostcodeCode><ram:CityName>Gent</ram:CityName>
     <ram:CountryID>BE</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">BE0202239951</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:PaymentReference>+++010/8068/17183+++</ram:PaymentReference>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode>
    <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>BE68539007547034</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
    <ram:PayeeSpecifiedCreditorFinancialInstitution><ram:BICID>GKCCBEBB</ram:BICID></ram:PayeeSpecifiedCreditorFinancialInstitution>
   </ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:ApplicableTradeTax><ram:CalculatedAmount>6.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
    <ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
    <ram:RateApplicablePercent>6</ram:RateApplicablePercent></ram:ApplicableTradeTax>
   <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>
    <udt:DateTimeString format="102">20260413</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>100.00</ram:LineTotalAmount><ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">6.00</ram:TaxTotalAmount><ram:GrandTotalAmount>106.00</ram:GrandTotalAmount>
    <ram:DuePayableAmount>106.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def _simple_pdf(*texts: str, pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    for number in range(pages):
        for row, text in enumerate(texts):
            canvas.drawString(72, 760 - 14 * row, text.format(page=number + 1))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_factur_x_pdf_is_read_from_its_xml_exactly() -> None:
    # The printed page says something else on purpose: the embedded XML is authoritative.
    printed = _simple_pdf("Factuur 9999 - totaal 1,00 EUR")
    pdf = generate_from_binary(printed, _CII, check_xsd=True)
    result = recognize(uuid.uuid4(), pdf, "application/pdf")
    assert result.status == "ok"
    assert result.source == "facturx"
    assert result.confidence == 1.0
    invoice = result.invoice
    assert invoice.fields.model_dump(mode="json") == {
        "document_type": "invoice",
        "supplier_name": "Bakkerij Peeters BV",
        "supplier_vat": "BE0403170701",
        "customer_name": "Fiduciaire Janssens BV",
        "customer_vat": "BE0202239951",
        "invoice_number": "FX-2026-0042",
        "issue_date": "2026-03-14",
        "due_date": "2026-04-13",
        "currency": "EUR",
        "total_excl_vat": "100.00",
        "total_vat": "6.00",
        "total_incl_vat": "106.00",
        "iban": "BE68539007547034",
        "bic": "GKCCBEBB",
        "payment_reference": "+++010/8068/17183+++",
    }
    assert [line.model_dump(mode="json") for line in invoice.lines] == [
        {
            "description": "Brood",
            "quantity": "2",
            "unit_code": "C62",
            "unit_price": "50.00",
            "net_amount": "100.00",
            "vat_category": "S",
            "vat_rate": "6",
        }
    ]
    assert invoice.amount_due == Decimal("106.00")
    assert [(v.rate, v.taxable_amount, v.vat_amount) for v in invoice.vat_breakdown] == [
        (Decimal("6"), Decimal("100.00"), Decimal("6.00"))
    ]


def test_pdf_with_an_embedded_ubl_invoice_is_read_with_the_ubl_parser() -> None:
    ubl = (given_testdata() / "ubl" / "base-example.xml").read_bytes()
    document = pdfium.PdfDocument(_simple_pdf("Invoice - see attachment"))
    document.new_attachment("invoice.xml").set_data(ubl)
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    result = recognize(uuid.uuid4(), buffer.getvalue(), "application/pdf")
    assert result.source == "ubl"
    assert result.status == "ok"
    assert result.invoice.fields.invoice_number == "Snippet1"


def test_cii_xml_on_its_own_is_read_as_factur_x() -> None:
    result = recognize(uuid.uuid4(), _CII, "application/xml")
    assert (result.status, result.source) == ("ok", "facturx")
    assert result.invoice.fields.total_incl_vat == Decimal("106.00")


# --- broken and hostile input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n" + b"\x00garbage" * 1000,
        _simple_pdf("Factuur 1")[:400],  # truncated
        b"%PDF-",
    ],
    ids=["garbage", "truncated", "header-only"],
)
def test_corrupt_pdf_ends_with_a_clear_status_quickly(content: bytes) -> None:
    started = time.perf_counter()
    result = recognize(uuid.uuid4(), content, "application/pdf")
    assert time.perf_counter() - started < 2
    assert result.status == "empty"
    assert result.reason and "PDF" in result.reason


def test_pdf_with_thousands_of_pages_reads_only_the_first_ones() -> None:
    pdf = _simple_pdf("Bijlage pagina {page}", pages=2000)
    started = time.perf_counter()
    result = recognize(uuid.uuid4(), pdf, "application/pdf")
    assert time.perf_counter() - started < 5
    assert result.status == "empty"
    assert f"only the first {MAX_PDF_PAGES} of 2000 pages were read" in result.reason


def test_unsupported_and_unreadable_content_never_raises() -> None:
    for content, kind in [
        (b"just some text", "text/plain"),
        (b"\x89PNG\r\n\x1a\n broken", "image/png"),
        (b"<html><body>hi</body></html>", "application/xml"),
        (b"", "application/octet-stream"),
    ]:
        result = recognize(uuid.uuid4(), content, kind)
        assert result.status == "empty", (content, result)
        assert result.reason


_BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>"""


def test_hostile_and_oversized_xml_map_to_a_status_with_reason() -> None:
    bomb = recognize(uuid.uuid4(), _BILLION_LAUGHS, "application/xml")
    assert (bomb.status, bomb.source) == ("empty", "ubl")
    assert "DOCTYPE" in bomb.reason
    huge = b'<?xml version="1.0"?><Invoice>' + b" " * (25 * 1024 * 1024) + b"</Invoice>"
    started = time.perf_counter()
    oversized = recognize(uuid.uuid4(), huge, "text/xml")
    assert time.perf_counter() - started < 2
    assert oversized.status == "empty"
    assert "bytes" in oversized.reason


def test_pdf_with_a_hostile_xml_attachment_falls_back_to_its_text(tmp_path: Path) -> None:
    spec = _spec(808, layout="classic", language="fr", credit=False)
    document = pdfium.PdfDocument(corpus.render_pdf(spec))
    document.new_attachment("factur-x.xml").set_data(_BILLION_LAUGHS)
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    result = recognize(uuid.uuid4(), buffer.getvalue(), "application/pdf")
    assert result.source == "air"
    assert result.invoice.fields.invoice_number == spec.number
    assert "embedded invoice XML was not read" in result.reason


def test_password_protected_pdf_says_so() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt="secret")
    canvas.drawString(72, 720, "Factuur 2026-0001")
    canvas.save()
    result = recognize(uuid.uuid4(), buffer.getvalue(), "application/pdf")
    assert result.status == "empty"
    assert "password" in result.reason


def test_image_too_large_to_decode_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000), 1).save(buffer, "PNG")
    result = recognize(uuid.uuid4(), buffer.getvalue(), "image/png")
    assert result.status == "empty"
    assert "pixels" in result.reason


# --- value readers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234,56", "1234.56"),
        ("1 234,56 €", "1234.56"),
        ("€ 1,234.56", "1234.56"),
        ("1234.56", "1234.56"),
        ("EUR -12,50", "-12.50"),
    ],
)
def test_amount_formats(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


def test_amounts_are_not_read_from_identifiers() -> None:
    assert find_amounts("BE 0403.170.701 +++010/8068/17183+++ 14/03/2026 21%") == []


@pytest.mark.parametrize(
    "text",
    ["14/03/2026", "14-03-2026", "14.03.2026", "2026-03-14", "14 maart 2026", "14 mars 2026",
     "14 March 2026", "March 14, 2026", "14 mrt. 2026"],
)  # fmt: skip
def test_date_formats(text: str) -> None:
    assert parse_date(text) == date(2026, 3, 14)


def test_identifiers_need_valid_check_digits() -> None:
    assert [f.value for f in find_vat_numbers("BTW BE 0403.170.701")] == ["BE0403170701"]
    assert find_vat_numbers("BTW BE 0403.170.702") == []
    assert [f.value for f in find_ibans("IBAN BE68 5390 0754 7034")] == ["BE68539007547034"]
    # OCR read "0" as "O": the checksum confirms the repair.
    assert [f.value for f in find_ibans("IBAN BE68 539O 0754 7034")] == ["BE68539007547034"]
    assert [f.value for f in find_payment_references("+++010/8068/17183+++")] == [
        "+++010/8068/17183+++"
    ]
    assert find_payment_references("+++010/8068/17184+++") == []


# --- command line ---------------------------------------------------------------------------


def _run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="recognition")
    extract_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_cli_prints_one_json_object_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(707, layout="modern", language="en", credit=False)
    path = tmp_path / "invoice.bin"  # the bytes decide the type, not the name
    path.write_bytes(corpus.render_pdf(spec))
    assert _run_cli("extract", str(path)) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["status"] == "ok"
    assert output["source"] == "air"
    assert output["fields"] == spec.truth()
    assert set(output["field_confidence"]) == set(output["fields"])
    assert len(output["lines"]) == len(spec.items)


def test_cli_exits_0_for_a_document_it_cannot_recognise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really")
    assert _run_cli("extract", str(path)) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["status"] == "empty"
    assert all(value is None for value in output["fields"].values())


@pytest.mark.parametrize("name", ["missing.pdf", ""], ids=["missing", "directory"])
def test_cli_exits_2_when_the_file_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert _run_cli("extract", str(tmp_path / name)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
