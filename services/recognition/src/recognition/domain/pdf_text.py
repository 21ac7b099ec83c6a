"""Reading a PDF: its text layer as positioned words, its embedded files, and page images.

PDFium (pypdfium2) is used rather than pdfminer/pdfplumber: it is C++ and gives per-character
boxes, which is all the layout-aware extraction needs. Measured on the benchmark corpus (one-
and two-page invoices, one core): words with positions at ~300 documents/s with PDFium,
~47/s with pdfminer (layout analysis on), ~32/s with pdfplumber's extract_words. It also renders pages for OCR and
lists attachments (Factur-X / UBL), so one parser sees the file.

Safety: only the first `max_pages` pages are read (a PDF may declare thousands), a page's
text is cut after `MAX_CHARS_PER_PAGE` characters, attachments over `MAX_ATTACHMENT_BYTES`
are skipped, and rendering is capped in pixels. Every PDFium failure becomes `PdfUnreadable`.
"""

import ctypes
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from recognition.domain.layout import Word

__all__ = [
    "DEFAULT_MAX_PAGES",
    "MAX_ATTACHMENT_BYTES",
    "Attachment",
    "PdfContent",
    "PdfUnreadable",
    "read_attachments",
    "read_pdf",
    "render_pages",
]

DEFAULT_MAX_PAGES: Final = 10
"""Invoices are one to a few pages; anything past this is not read (and the result says so)."""

MAX_CHARS_PER_PAGE: Final = 20_000
"""A dense A4 page of 8-point text holds about 8 000 characters; more is not an invoice page."""

MAX_TOTAL_CHARS: Final = 80_000
"""Characters read over all pages; keeps the extraction (roughly linear in the text) under
about a second even for a file of dense tables."""

MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
"""Same limit as for a UBL document received on its own."""

MIN_TEXT_CHARS: Final = 25
"""Below this many visible characters a page is treated as an image that needs OCR (a scan
often carries a page number or a stamp as text)."""

MIN_OUTLINE_PATHS: Final = 40
"""Vector paths from which a page without text is assumed to draw its text as outlines."""

MAX_RENDER_PIXELS: Final = 40_000_000
"""A4 at 300 dpi is 8.7 Mpx; a page declared metres wide is rendered smaller, not refused."""


# PDFium is not thread-safe; the service may call recognition from worker threads. Every
# PDFium call below runs under this lock (OCR, the slow part, runs outside it).
_PDFIUM_LOCK: Final = threading.RLock()


class PdfUnreadable(ValueError):
    """The bytes are not a PDF PDFium can open (corrupt, truncated, password-protected)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    data: bytes


@dataclass(slots=True)
class PdfContent:
    """The text layer of the pages that were read.

    `page_sizes` are in points, after the page's /Rotate is applied. `image_pages` are the
    indices of read pages with (almost) no text that show an image or many vector paths:
    scans, or text drawn as outlines, that need OCR.
    """

    page_count: int
    pages_read: int
    page_sizes: list[tuple[float, float]]
    words: list[Word] = field(default_factory=list)
    image_pages: list[int] = field(default_factory=list)


def _open(content: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(content)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise PdfUnreadable("the PDF is password-protected.") from exc
        raise PdfUnreadable(f"the PDF cannot be opened ({message}).") from exc


def _transform(rotation: int, width: float, height: float):  # type: ignore[no-untyped-def]
    """Map PDF user space (origin bottom-left) to the displayed page (origin top-left)."""
    if rotation == 90:
        return lambda x, y: (y, x)
    if rotation == 180:
        return lambda x, y: (width - x, y)
    if rotation == 270:
        return lambda x, y: (height - y, width - x)
    return lambda x, y: (x, height - y)


def _page_words(page: pdfium.PdfPage, index: int) -> tuple[list[Word], int]:
    """Words of one page and the number of visible characters read."""
    width, height = page.get_width(), page.get_height()
    rotation = page.get_rotation() % 360
    # get_width/height already report the displayed size; the transform needs the unrotated.
    if rotation in (90, 270):
        width, height = height, width
    to_display = _transform(rotation, width, height)
    textpage = page.get_textpage()
    try:
        count = min(textpage.count_chars(), MAX_CHARS_PER_PAGE)
        if count <= 0:
            return [], 0
        text = textpage.get_text_range(0, count)
        exact = len(text) == count
        rect = pdfium_c.FS_RECTF()
        words: list[Word] = []
        chars: list[str] = []
        box = [0.0, 0.0, 0.0, 0.0]  # x0, top, x1, bottom of the current word
        visible = 0
        previous_right = previous_centre = previous_height = 0.0

        def flush() -> None:
            if chars:
                words.append(
                    Word("".join(chars), box[0], box[1], box[2], box[3], index, box[3] - box[1])
                )
                chars.clear()

        for i in range(count):
            char = text[i] if exact else chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32)
            if char.isspace() or not char.isprintable():
                flush()
                continue
            if not pdfium_c.FPDFText_GetLooseCharBox(textpage, i, rect):
                flush()
                continue
            ax, ay = to_display(rect.left, rect.top)
            bx, by = to_display(rect.right, rect.bottom)
            x0, x1 = min(ax, bx), max(ax, bx)
            top, bottom = min(ay, by), max(ay, by)
            char_height = bottom - top
            centre = (top + bottom) / 2
            visible += 1
            if chars and (
                x0 < previous_right - 0.5 * char_height  # went back: another text run
                or x0 - previous_right > 0.3 * max(char_height, previous_height)  # a gap
                or abs(centre - previous_centre) > 0.4 * max(char_height, previous_height)
            ):
                flush()
            if not chars:
                box[:] = [x0, top, x1, bottom]
            else:
                box[0] = min(box[0], x0)
                box[1] = min(box[1], top)
                box[2] = max(box[2], x1)
                box[3] = max(box[3], bottom)
            chars.append(char)
            previous_right, previous_centre, previous_height = x1, centre, char_height
        flush()
        return words, visible
    finally:
        textpage.close()


def _may_hold_text_as_pixels(page: pdfium.PdfPage) -> bool:
    """Whether a page without a text layer can still show text: a scanned image, or text
    drawn as outlines (many vector paths). A blank page, or one with a rule or two, cannot."""
    # Scanners sometimes wrap the page image in a form XObject, hence the depth.
    objects = page.get_objects(
        filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3
    )
    for count, item in enumerate(objects, 1):
        if item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE or count >= MIN_OUTLINE_PATHS:
            return True
    return False


def read_pdf(content: bytes, *, max_pages: int = DEFAULT_MAX_PAGES) -> PdfContent:
    """The positioned words of the first `max_pages` pages; raises PdfUnreadable."""
    with _PDFIUM_LOCK:
        return _read_pdf(content, max_pages)


def _read_pdf(content: bytes, max_pages: int) -> PdfContent:
    pdf = _open(content)
    try:
        page_count = len(pdf)
        if page_count <= 0:
            raise PdfUnreadable("the PDF has no pages.")
        result = PdfContent(page_count=page_count, pages_read=0, page_sizes=[])
        total_chars = 0
        for index in range(min(page_count, max_pages)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:
                raise PdfUnreadable(f"page {index + 1} of the PDF cannot be read ({exc}).") from exc
            try:
                result.page_sizes.append((page.get_width(), page.get_height()))
                words, visible = _page_words(page, index)
                # A page with a few words and nothing else is just a short page.
                needs_ocr = visible < MIN_TEXT_CHARS and _may_hold_text_as_pixels(page)
            finally:
                page.close()
            result.pages_read += 1
            if needs_ocr:
                result.image_pages.append(index)
            else:
                result.words.extend(words)
                total_chars += visible
                if total_chars >= MAX_TOTAL_CHARS:
                    break
        return result
    finally:
        pdf.close()


def read_attachments(content: bytes, *, max_count: int = 20) -> list[Attachment]:
    """The embedded files (name and bytes) of a PDF, skipping oversized or unreadable ones."""
    with _PDFIUM_LOCK:
        return _read_attachments(content, max_count)


def _read_attachments(content: bytes, max_count: int) -> list[Attachment]:
    pdf = _open(content)
    try:
        found: list[Attachment] = []
        for index in range(min(pdf.count_attachments(), max_count)):
            attachment = pdf.get_attachment(index)
            size = ctypes.c_ulong()
            # Ask for the size first so that a huge embedded file is never loaded.
            pdfium_c.FPDFAttachment_GetFile(attachment, None, 0, size)
            if not 0 < size.value <= MAX_ATTACHMENT_BYTES:
                continue
            try:
                found.append(Attachment(attachment.get_name(), bytes(attachment.get_data())))
            except pdfium.PdfiumError:
                continue
        return found
    finally:
        pdf.close()


def render_pages(
    content: bytes, page_indices: list[int], *, dpi: int = 300
) -> Iterator[tuple[int, Image.Image, float]]:
    """Grey-scale images of the given pages at `dpi` (less for oversized pages), with the
    points-per-pixel factor that maps image coordinates back to page points."""
    with _PDFIUM_LOCK:
        pdf = _open(content)
    try:
        for index in page_indices:
            with _PDFIUM_LOCK:
                image, scale = _render(pdf, index, dpi)
            yield index, image, 1 / scale
    except pdfium.PdfiumError as exc:
        raise PdfUnreadable(f"a page of the PDF cannot be rendered ({exc}).") from exc
    finally:
        with _PDFIUM_LOCK:
            pdf.close()


def _render(pdf: pdfium.PdfDocument, index: int, dpi: int) -> tuple[Image.Image, float]:
    page = pdf[index]
    try:
        width, height = page.get_width(), page.get_height()
        scale = dpi / 72
        pixels = width * height * scale * scale
        if pixels > MAX_RENDER_PIXELS:
            scale *= math.sqrt(MAX_RENDER_PIXELS / pixels)
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil().convert("L")
        bitmap.close()
    finally:
        page.close()
    return image, scale
