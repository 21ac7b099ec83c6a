"""Merging documents into one PDF and splitting a PDF into new ones (seed 003, "Samenvoegen" and
"Splitsen"), with pypdf; images become PDF pages with Pillow. Pure: bytes in, bytes out.

Pages are numbered from 1, as the client sees them. A refusal (`PdfOperationRefused`) says in
one sentence what is wrong with the request or the file; the caller answers it as a 422.
"""

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from PIL import Image, ImageSequence, UnidentifiedImageError
from pypdf import PageObject, PasswordType, PdfReader, PdfWriter
from pypdf.errors import PdfReadError, PdfStreamError

from ingest.domain.documents import JPEG, PDF, PNG, TIFF, DocumentKind

IMAGE_KINDS = (PNG, JPEG, TIFF)
# The page size an image without a resolution of its own is given (dots per inch).
DEFAULT_IMAGE_DPI = 150.0
# Pillow writes these modes into a PDF as they are; the others are converted to RGB first.
PDF_IMAGE_MODES = frozenset({"1", "L", "RGB", "CMYK"})


class PdfOperationRefused(ValueError):
    """A merge or split that cannot be done; the message says why, in one sentence."""


@dataclass(frozen=True)
class Source:
    """A document to merge or split: its name (for messages), bytes and kind."""

    name: str
    content: bytes
    kind: DocumentKind


def _pages(source: Source) -> list[PageObject]:
    """The source's pages: a PDF's own, an image's frames each made a page."""
    if source.kind is PDF:
        content = source.content
    elif source.kind in IMAGE_KINDS:
        content = image_to_pdf(source)
    else:
        raise PdfOperationRefused(
            f"{source.name} is not a PDF or an image ({source.kind.content_type}); only PDFs "
            "and images (PNG, JPEG, TIFF) can be merged or split"
        )
    try:
        reader = PdfReader(BytesIO(content))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise PdfOperationRefused(f"{source.name} is protected with a password")
        return list(reader.pages)
    except PdfOperationRefused:
        raise
    except (PdfReadError, PdfStreamError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PdfOperationRefused(f"{source.name} is a damaged PDF and cannot be read") from exc


def image_to_pdf(source: Source) -> bytes:
    """The image as a PDF, one page per frame (a multi-page TIFF scan keeps its pages), each
    page the image's size at its own resolution."""
    try:
        with warnings.catch_warnings():
            # Intake refused images over the pixel limit; what is stored may be decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(BytesIO(source.content)) as image:
                dpi = image.info.get("dpi", (DEFAULT_IMAGE_DPI, DEFAULT_IMAGE_DPI))[0]
                frames = [
                    frame.copy() if frame.mode in PDF_IMAGE_MODES else frame.convert("RGB")
                    for frame in ImageSequence.Iterator(image)
                ]
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise PdfOperationRefused(f"{source.name} is a damaged image and cannot be read") from exc
    buffer = BytesIO()
    frames[0].save(
        buffer,
        "PDF",
        save_all=True,
        append_images=frames[1:],
        resolution=float(dpi) if dpi and float(dpi) > 0 else DEFAULT_IMAGE_DPI,
    )
    return buffer.getvalue()


def _written(pages: Sequence[PageObject]) -> bytes:
    writer = PdfWriter()
    for page in pages:
        writer.add_page(page)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def merge(sources: Sequence[Source]) -> bytes:
    """One PDF of the sources' pages, source after source, each in its own page order."""
    if len(sources) < 2:
        raise PdfOperationRefused("choose at least two documents to merge")
    pages: list[PageObject] = []
    for source in sources:
        pages += _pages(source)
    return _written(pages)


def _check_pages(pages: Sequence[int], count: int, what: str) -> None:
    if not pages:
        raise PdfOperationRefused(f"choose at least one page ({what} is empty)")
    seen: set[int] = set()
    for page in pages:
        if not 1 <= page <= count:
            raise PdfOperationRefused(
                f"page {page} does not exist: the PDF has {count} page{'s' if count > 1 else ''} "
                f"(1 to {count})"
            )
        if page in seen:
            raise PdfOperationRefused(f"page {page} is chosen twice in {what}")
        seen.add(page)


def individual_parts(pages: Sequence[int], count: int) -> list[list[int]]:
    """An individual split: the chosen pages (in the order given) become a new document; the
    pages not chosen, if any, a second one in their own order, so no page leaves the mailbox."""
    _check_pages(pages, count, "pages")
    rest = [page for page in range(1, count + 1) if page not in set(pages)]
    return [list(pages), rest] if rest else [list(pages)]


def bulk_parts(order: Sequence[int] | None, starts: Sequence[int], count: int) -> list[list[int]]:
    """A bulk split: the pages in `order` (all of them, in their own order, when not given;
    pages left out are not taken), cut before each page of `starts`: each chosen page starts a
    new document, which runs up to the next chosen page. The first page always starts one."""
    order = list(order) if order is not None else list(range(1, count + 1))
    _check_pages(order, count, "order")
    if not starts:
        raise PdfOperationRefused("choose at least one page that starts a new document (starts)")
    _check_pages(starts, count, "starts")
    for page in starts:
        if page not in order:
            raise PdfOperationRefused(f"page {page} starts a document but is not in order")
    cut = set(starts) | {order[0]}
    parts: list[list[int]] = []
    for page in order:
        if page in cut:
            parts.append([])
        parts[-1].append(page)
    if len(parts) < 2:
        raise PdfOperationRefused(
            "the split gives a single document with every page: choose a page other than the "
            "first to start a new document"
        )
    return parts


def split(source: Source, parts_of: Callable[[int], list[list[int]]]) -> list[bytes]:
    """One PDF per part, each of the source's pages in the part's order; `parts_of` gets the
    source's page count and gives the parts (`individual_parts` / `bulk_parts`, which check
    the page numbers)."""
    pages = _pages(source)
    return [_written([pages[number - 1] for number in part]) for part in parts_of(len(pages))]


def result_name(source_name: str, suffix: str) -> str:
    """A result's file name: the source's without its extension, with what it is."""
    stem = PurePath(source_name).stem or "document"
    return f"{stem} ({suffix}).pdf"
