"""From a document's bytes to a recognition result: status, source, confidences, invoice data.

Routing, by the document's bytes first (the declared content type is often wrong):

* UBL XML -> read exactly (source "ubl"); a CII XML on its own -> read exactly ("facturx");
* PDF with an embedded Factur-X/ZUGFeRD (CII) or UBL invoice -> that XML, exactly;
* PDF with a text layer -> layout-aware extraction of the text ("air");
* PDF pages without text, PNG, JPEG, TIFF -> OCR with Tesseract, then the same extraction
  ("ocr").

`recognize` never raises: a document that cannot be read is "empty" with the reason (retrying
will not help), a technical failure (Tesseract missing, timed out, an unexpected error) is
"ocr" with the reason (a retry may help).
"""

import logging
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from PIL import Image

from recognition.domain import confidence, facturx, ocr, pdf_text, ubl
from recognition.domain.content_type import IMAGE_TYPES, sniff_content_type
from recognition.domain.extraction import Extraction, extract_invoice
from recognition.domain.layout import Word, build_pages

logger = logging.getLogger(__name__)

MANDATORY_FIELDS = ("supplier_name", "invoice_number", "issue_date", "currency", "total_incl_vat")

MAX_PDF_PAGES: Final = pdf_text.DEFAULT_MAX_PAGES
"""Pages of a PDF read for text; invoices are short, a 2000-page file is not read further."""
MAX_OCR_PAGES: Final = 5
"""Pages OCRed per document: at a few seconds a page this bounds a document to ~30 s."""
OCR_DPI: Final = 300
OCR_BUDGET_SECONDS: Final = 120.0
"""Wall-clock limit for the OCR of one document, all pages and passes together."""


def field_confidences(fields: InvoiceFields, certainty: float) -> dict[str, float]:
    return {name: (certainty if value is not None else 0.0) for name, value in fields}


def status_of(fields: InvoiceFields) -> tuple[str, str | None]:
    found = [name for name, value in fields if value is not None]
    if not found:
        return "empty", "no invoice field was found"
    missing = [name for name in MANDATORY_FIELDS if getattr(fields, name) is None]
    if missing:
        return "nok", "missing mandatory fields: " + ", ".join(missing)
    return "ok", None


def _kind(content: bytes, content_type: str) -> str:
    """The document's type from its bytes, else the declared one (often wrong)."""
    kind = sniff_content_type(content) if isinstance(content, bytes) else None
    return kind or (content_type or "").split(";")[0].strip().lower()


def _is_xml(content: bytes, kind: str) -> bool:
    return kind in ("application/xml", "text/xml") or ubl.looks_like_ubl(content)


def needs_isolation(content: bytes, content_type: str) -> bool:
    """Whether reading the document decompresses data (a PDF, an image, anything not XML),
    so that its memory must be bounded by reading it in a worker process. XML is parsed
    with limits and no entity expansion (ledgerline.xml) and is safe to read in-process."""
    return not _is_xml(content, _kind(content, content_type))


def unreadable(
    document_id: UUID, content: bytes, content_type: str, reason: str
) -> DocumentRecognized:
    """The "empty" result of a document that could not be read at all (over a memory or
    time limit): retrying would fail the same way."""
    kind = _kind(content, content_type)
    return _result(
        document_id, "empty", "ocr" if kind.startswith("image/") else "air", reason=reason
    )


def recognize(
    document_id: UUID,
    content: bytes,
    content_type: str,
    own_vat_numbers: Collection[str] = (),
) -> DocumentRecognized:
    """Read one document; never raises (see the module docstring for the statuses).

    `own_vat_numbers`: the VAT numbers of the dossier (the bookkeeping client) the document
    was received for, if known; a page that prints one of them names the buyer with it."""
    own = frozenset(_compact_vat(number) for number in own_vat_numbers)
    kind = _kind(content, content_type)
    try:
        if _is_xml(content, kind):
            return _recognize_xml(document_id, content)
        if kind == "application/pdf":
            return _recognize_pdf(document_id, content, own)
        if kind in IMAGE_TYPES or kind.startswith("image/"):
            return _recognize_image(document_id, content, own)
        return _result(
            document_id,
            "empty",
            "air",
            reason=f"documents of type {kind or 'unknown'} cannot be recognised "
            "(expected a PDF, PNG, JPEG, TIFF or UBL XML).",
        )
    except MemoryError:
        # Under the worker's address-space limit (adapters.reader_pool) when a decompressed
        # page, image or attachment does not fit.
        return unreadable(
            document_id,
            content,
            content_type,
            "the document decompresses beyond the memory limit for reading one document; "
            "it was not read.",
        )
    except Exception as exc:  # the consumer must always get a result to publish
        logger.exception("recognition of document %s failed", document_id)
        return _result(
            document_id,
            "ocr",
            "ocr" if kind.startswith("image/") else "air",
            reason=f"recognition failed unexpectedly ({type(exc).__name__}: {exc}); "
            "it can be retried.",
        )


# --- results --------------------------------------------------------------------------------


def _result(
    document_id: UUID,
    status: str,
    source: str,
    *,
    reason: str | None,
    confidence: float = 0.0,
    field_confidence: dict[str, float] | None = None,
    invoice: InvoiceData | None = None,
) -> DocumentRecognized:
    return DocumentRecognized(
        document_id=document_id,
        status=status,  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        field_confidence=field_confidence or {},
        reason=reason,
        invoice=invoice,
    )


def _exact_result(document_id: UUID, invoice: InvoiceData, source: str) -> DocumentRecognized:
    status, reason = status_of(invoice.fields)
    # Structured XML is read, not guessed: what is there is certain.
    confidences = field_confidences(invoice.fields, 1.0)
    return _result(
        document_id,
        status,
        source,
        reason=reason,
        confidence=1.0 if status == "ok" else sum(confidences.values()) / max(len(confidences), 1),
        field_confidence=confidences,
        invoice=invoice,
    )


def _with_notes(reason: str | None, notes: list[str]) -> str | None:
    parts = [part for part in (reason, *notes) if part]
    return "; ".join(parts) if parts else None


# --- XML ------------------------------------------------------------------------------------


def _recognize_xml(document_id: UUID, content: bytes) -> DocumentRecognized:
    try:
        if facturx.is_cii(content):
            return _exact_result(document_id, facturx.parse_cii(content), "facturx")
        return _exact_result(document_id, ubl.parse_ubl(content), "ubl")
    except (ubl.UblError, TypeError) as exc:
        return _result(document_id, "empty", "ubl", reason=str(exc))


# --- PDF and images -------------------------------------------------------------------------


@dataclass
class _Reading:
    """Words gathered from a document, and what the reader wants the user to know."""

    words: list[Word] = field(default_factory=list)
    page_sizes: list[tuple[float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ocr_pages: int = 0
    text_pages: int = 0
    # The VAT numbers of the dossier the document was received in: on a purchase invoice
    # they are the buyer's, which tells the supplier's number from the customer's.
    own_vat_numbers: frozenset[str] = frozenset()


PageImages = Callable[[], Iterator[tuple[int, Image.Image, float]]]
"""Produces (page index, image, points per pixel) for the pages to OCR; callable again for a
second pass."""

OCR_PASSES: Final = (3, 11)
"""Tesseract page segmentation modes tried in turn: automatic layout analysis first; when
that leaves a mandatory field unread, sparse-text mode, which keeps words that layout
analysis dropped as noise (a wrapped payment line, a value far from its label)."""


def _ocr_into(
    reading: _Reading, images: PageImages, page_segmentation: int, deadline: float
) -> None:
    for index, image, points_per_pixel in images():
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            reading.notes.append(f"OCR stopped at page {index + 1}: time limit reached")
            break
        page = ocr.ocr_page(
            image,
            index,
            points_per_pixel,
            page_segmentation=page_segmentation,
            timeout=min(ocr.OCR_TIMEOUT_SECONDS, remaining),
        )
        reading.words.extend(page.words)
        while len(reading.page_sizes) <= index:
            reading.page_sizes.append((0.0, 0.0))
        reading.page_sizes[index] = (page.width, page.height)
        reading.ocr_pages += 1


def _rank(result: DocumentRecognized) -> tuple[int, int, float]:
    order = {"ok": 3, "nok": 2, "empty": 1, "ocr": 0}
    fields = result.invoice.fields if result.invoice is not None else InvoiceFields()
    found = sum(getattr(fields, name) is not None for name in MANDATORY_FIELDS)
    return order[result.status], found, result.confidence


def _ocr_and_extract(
    document_id: UUID, base: _Reading, images: PageImages, source: str
) -> DocumentRecognized:
    """OCR the pages (and a second time in another mode when the first reading misses a
    mandatory field), extract, and keep the better reading. Raises OcrFailed when the first
    pass cannot run."""
    best: DocumentRecognized | None = None
    started = time.monotonic()
    deadline = started + OCR_BUDGET_SECONDS
    for number, mode in enumerate(OCR_PASSES):
        if number > 0 and time.monotonic() - started > OCR_BUDGET_SECONDS / 3:
            break  # a second pass would not fit in the budget
        reading = _Reading(
            words=list(base.words),
            page_sizes=list(base.page_sizes),
            notes=list(base.notes),
            text_pages=base.text_pages,
            own_vat_numbers=base.own_vat_numbers,
        )
        try:
            _ocr_into(reading, images, mode, deadline)
        except ocr.OcrFailed:
            if number == 0:
                raise
            break
        result = _extract(document_id, reading, source)
        if best is None or _rank(result) > _rank(best):
            best = result
        if _rank(best)[1] == len(MANDATORY_FIELDS):
            # Every mandatory field was read: a second pass is for fields the first one
            # missed, not for low confidences (those go to review).
            break
    assert best is not None
    return best


def _extract(document_id: UUID, reading: _Reading, source: str) -> DocumentRecognized:
    pages, lines, cells = build_pages(reading.words, reading.page_sizes)
    if not cells:
        return _result(
            document_id,
            "empty",
            source,
            reason=_with_notes("no text was found in the document", reading.notes),
        )
    extraction: Extraction = extract_invoice(
        pages, lines, cells, own_vat_numbers=reading.own_vat_numbers
    )
    status, reason = status_of(extraction.invoice.fields)
    if status == "ok":
        status, reason = confidence.review(
            extraction.confidences, dict(extraction.invoice.fields), MANDATORY_FIELDS
        )
    mandatory = [extraction.confidences.get(name, 0.0) for name in MANDATORY_FIELDS]
    return _result(
        document_id,
        status,
        source,
        reason=_with_notes(reason, reading.notes),
        confidence=sum(mandatory) / len(mandatory),
        field_confidence=extraction.confidences,
        invoice=extraction.invoice,
    )


def _compact_vat(number: str) -> str:
    return "".join(ch for ch in number if ch.isalnum()).upper()


def _recognize_pdf(
    document_id: UUID, content: bytes, own_vat_numbers: frozenset[str] = frozenset()
) -> DocumentRecognized:
    notes: list[str] = []
    try:
        embedded = facturx.read_embedded_invoice(content)
    except pdf_text.PdfUnreadable as exc:
        return _result(document_id, "empty", "air", reason=str(exc))
    except ubl.UblError as exc:
        embedded = None
        notes.append(f"the embedded invoice XML was not read: {exc}")
    if embedded is not None:
        return _exact_result(document_id, embedded.invoice, embedded.source)

    try:
        pdf = pdf_text.read_pdf(content, max_pages=MAX_PDF_PAGES)
    except pdf_text.PdfUnreadable as exc:
        return _result(document_id, "empty", "air", reason=str(exc))
    reading = _Reading(
        words=pdf.words,
        page_sizes=list(pdf.page_sizes),
        notes=notes,
        own_vat_numbers=own_vat_numbers,
    )
    reading.text_pages = pdf.pages_read - len(pdf.image_pages)
    if pdf.page_count > pdf.pages_read:
        reading.notes.append(f"only the first {pdf.pages_read} of {pdf.page_count} pages were read")
    to_ocr = pdf.image_pages[:MAX_OCR_PAGES]
    if len(pdf.image_pages) > len(to_ocr):
        reading.notes.append(f"only the first {len(to_ocr)} scanned pages were OCRed")
    source = "air" if reading.text_pages else "ocr"
    if not to_ocr:
        return _extract(document_id, reading, source)
    try:
        return _ocr_and_extract(
            document_id,
            reading,
            lambda: pdf_text.render_pages(content, to_ocr, dpi=OCR_DPI),
            source,
        )
    except ocr.OcrFailed as exc:
        if not reading.text_pages:
            return _result(document_id, "ocr", "ocr", reason=str(exc))
        reading.notes.append(f"scanned pages were not read: {exc}")
        return _extract(document_id, reading, source)
    except pdf_text.PdfUnreadable as exc:
        return _result(document_id, "empty", source, reason=str(exc))


def _recognize_image(
    document_id: UUID, content: bytes, own_vat_numbers: frozenset[str] = frozenset()
) -> DocumentRecognized:
    def frames() -> Iterator[tuple[int, Image.Image, float]]:
        for index, image in enumerate(ocr.load_images(content, max_frames=MAX_OCR_PAGES)):
            dpi = image.info.get("dpi")
            if dpi and dpi[0] and float(dpi[0]) >= 50:
                points_per_pixel = 72 / float(dpi[0])
            else:
                # No resolution stored: assume the image is an A4 page (portrait or landscape).
                points_per_pixel = 595 / min(image.width, image.height)
            yield index, image, points_per_pixel

    try:
        reading = _Reading(own_vat_numbers=own_vat_numbers)
        return _ocr_and_extract(document_id, reading, frames, "ocr")
    except ocr.ImageUnreadable as exc:
        return _result(document_id, "empty", "ocr", reason=str(exc))
    except ocr.OcrFailed as exc:
        return _result(document_id, "ocr", "ocr", reason=str(exc))
