"""What ingest accepts as a document, decided from the bytes themselves."""

import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath, PurePosixPath

from ledgerline.xml import safe_parser
from lxml import etree
from PIL import Image, UnidentifiedImageError
from pypdf import PasswordType, PdfReader
from pypdf.errors import PdfReadError, PdfStreamError
from pypdf.generic import ArrayObject, IndirectObject, NameObject, StreamObject


class DocumentRefused(ValueError):
    """The upload is not a document ingest accepts; the message says why, in one sentence."""


@dataclass(frozen=True)
class DocumentKind:
    content_type: str
    extension: str


PDF = DocumentKind("application/pdf", ".pdf")
XML = DocumentKind("application/xml", ".xml")
PNG = DocumentKind("image/png", ".png")
JPEG = DocumentKind("image/jpeg", ".jpg")
TIFF = DocumentKind("image/tiff", ".tif")


KINDS = {kind.content_type: kind for kind in (PDF, XML, PNG, JPEG, TIFF)}


def kind_of(content_type: str) -> DocumentKind:
    """The kind a stored document was classified as, from its recorded content type."""
    return KINDS[content_type]


def classify(content: bytes, max_bytes: int) -> DocumentKind:
    """The kind of document, by its leading bytes; refuses empty, oversized or unknown content."""
    if not content:
        raise DocumentRefused("the document is empty")
    if len(content) > max_bytes:
        raise DocumentRefused(f"the document is {len(content)} bytes; the limit is {max_bytes}")
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        check_xml(content)
        return XML
    raise DocumentRefused("the document is not a PDF, an image (PNG, JPEG, TIFF) or an XML file")


def check_xml(content: bytes) -> None:
    """Refuses XML that is not well-formed or that declares a DTD (entity expansion, XXE)."""
    try:
        tree = etree.fromstring(content, safe_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise DocumentRefused(f"the body is not well-formed XML: {exc}") from exc
    if tree.docinfo.doctype:
        raise DocumentRefused(
            "XML with a DOCTYPE declaration is refused (entities are not allowed)"
        )


def safe_filename(name: str | None, kind: DocumentKind) -> str:
    cleaned = "".join(
        ch for ch in (name or "") if ch.isprintable() and ch not in '/\\:*?"<>|'
    ).strip()
    # Leading dots would make a hidden file or a relative path segment.
    cleaned = cleaned.lstrip(". ")[:200] or "document"
    return cleaned if PurePath(cleaned).suffix else cleaned + kind.extension


# --- what is inside: pages, encryption, pixels -------------------------------------------------

MAX_IMAGE_PIXELS = 100_000_000
MAX_PDF_INFLATED_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pages: int
    max_pixels: int = MAX_IMAGE_PIXELS
    max_pdf_inflated_bytes: int = MAX_PDF_INFLATED_BYTES


@dataclass(frozen=True)
class Examined:
    kind: DocumentKind
    page_count: int | None  # None: not a PDF


def examine(content: bytes, limits: Limits) -> Examined:
    """`classify`, then what the bytes say about their inside: a PDF's page count (refused above
    the limit), whether it is encrypted (refused unless it opens with an empty password), an
    image's pixel count (refused above the limit, read from the header: no pixel is decoded).

    A PDF that cannot be parsed (damaged, truncated, not a PDF behind its header) or has no page
    is refused: stored, it would only fail later, out of the client's sight. An image whose
    header cannot be read is let through: recognition reads what it can and says so."""
    kind = classify(content, limits.max_bytes)
    if kind is PDF:
        return Examined(
            kind, pdf_page_count(content, limits.max_pages, limits.max_pdf_inflated_bytes)
        )
    if kind in (PNG, JPEG, TIFF):
        check_image_size(content, limits.max_pixels)
    return Examined(kind, None)


def pdf_page_count(
    content: bytes, max_pages: int, max_inflated_bytes: int = MAX_PDF_INFLATED_BYTES
) -> int:
    try:
        reader = PdfReader(BytesIO(content))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise DocumentRefused(
                "the PDF is protected with a password; send it without the password"
            )
        # The page tree's own count: counting by walking the tree would load every page.
        declared = reader.trailer["/Root"]["/Pages"].get("/Count")
        pages = int(declared) if isinstance(declared, int) else len(reader.pages)
        check_inflated_size(content, reader, max_inflated_bytes)
    except DocumentRefused:
        raise
    except (PdfReadError, PdfStreamError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DocumentRefused(
            f"the PDF is damaged and cannot be read ({_reason(exc)}); send an intact copy"
        ) from exc
    if pages < 1:
        raise DocumentRefused("the PDF has no pages")
    if pages > max_pages:
        raise DocumentRefused(f"the PDF has {pages} pages; the limit is {max_pages}")
    return pages


_FLATE = frozenset({"/FlateDecode", "/Fl"})
_INFLATE_CHUNK = 1024 * 1024  # most output held at once
_FEED = 64 * 1024  # input given to the inflater at a time
# Where a stream's data starts: the `stream` keyword and its end of line (not `endstream`).
_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")


def check_inflated_size(content: bytes, reader: PdfReader, max_inflated_bytes: int) -> None:
    """Refuses a PDF whose Flate streams inflate, together, to more than `max_inflated_bytes`
    (a decompression bomb: a 1 MB file that inflates to gigabytes).

    The output is counted in chunks of at most 1 MiB and never kept, so memory stays at about
    one chunk, and the work stops as soon as the total passes the limit. The streams are found
    in the file's bytes: every `stream` keyword whose data starts with a zlib header is inflated
    from there until its zlib stream ends (the data itself says where, whatever `/Length` or a
    stray `endstream` says), so a normal PDF costs one scan of its bytes and the inflation of
    its compressed streams, no object parsing. An encrypted PDF (that opens without password)
    has its streams encrypted in the file: those are read through pypdf, object by object.
    Other filters than Flate decode to at most a few times their size and are not counted; a
    stream that does not inflate cleanly counts what it gave (recognition reads what it can).
    Images in a PDF are streams too: a scan inflates to its pixels, which is why the limit is
    well above what a real invoice needs."""
    if reader.is_encrypted:
        streams = _decrypted_flate_streams(reader)
    else:
        data = memoryview(content)
        streams = (
            data[match.end() :]
            for match in _STREAM_START.finditer(content)
            if _zlib_header(content[match.end() : match.end() + 2])
        )
    total = 0
    for stream in streams:
        total += _inflated_size(stream, max_inflated_bytes - total + 1)
        if total > max_inflated_bytes:
            raise DocumentRefused(
                f"the PDF decompresses to more than {max_inflated_bytes:,} bytes; it is "
                "refused as a possible decompression bomb"
            )


def _zlib_header(two: bytes) -> bool:
    return len(two) == 2 and two[0] & 0x0F == 8 and (two[0] << 8 | two[1]) % 31 == 0


def _decrypted_flate_streams(reader: PdfReader) -> Iterator[bytes]:
    """The (decrypted, still compressed) data of the PDF's streams whose first filter is Flate."""
    for generation, numbers in reader.xref.items():
        for number in numbers:
            try:
                stream = reader.get_object(IndirectObject(number, generation, reader))
            except (PdfReadError, PdfStreamError, KeyError, TypeError, ValueError, OSError):
                continue  # a damaged object: recognition reads what it can, as before
            if not isinstance(stream, StreamObject):
                continue
            filters = stream.get("/Filter")
            first = filters[0] if isinstance(filters, ArrayObject) and filters else filters
            if isinstance(first, NameObject) and first in _FLATE:
                yield stream._data


def _inflated_size(data: bytes | memoryview, at_most: int) -> int:
    """How many bytes the zlib stream at the start of `data` inflates to, counting no further
    than `at_most`. The input is fed in pieces, so what follows the stream is never copied."""
    inflater = zlib.decompressobj()
    size = 0
    try:
        for start in range(0, len(data), _FEED):
            chunk = inflater.decompress(data[start : start + _FEED], _INFLATE_CHUNK)
            while chunk:
                size += len(chunk)
                if size >= at_most:
                    return size
                chunk = inflater.decompress(inflater.unconsumed_tail, _INFLATE_CHUNK)
            if inflater.eof:
                break
    except zlib.error:
        pass
    return size


def _reason(exc: Exception) -> str:
    """pypdf's own words, on one short line (they go into an HTTP detail or an SMTP reply)."""
    text = " ".join(str(exc).split())[:120]
    return text or type(exc).__name__


def check_image_size(content: bytes, max_pixels: int) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # `open` reads the header only; the pixels would be decoded by `load`, never called.
            with Image.open(BytesIO(content)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        width, height = max_pixels + 1, 1  # Pillow's own bound is above ours: refuse
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return
    if width * height > max_pixels:
        raise DocumentRefused(
            f"the image has {width * height:,} pixels; the limit is {max_pixels:,} "
            f"({max_pixels // 1_000_000} megapixels)"
        )


# --- ZIP archives (HTTP upload only) -----------------------------------------------------------

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_ZIP_RATIO = 100  # uncompressed / compressed: beyond this an entry is a zip bomb


def is_zip(content: bytes) -> bool:
    return content[:4] in ZIP_MAGIC


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_entry_bytes: int
    max_total_bytes: int
    max_ratio: int = MAX_ZIP_RATIO


def unzip(content: bytes, limits: ZipLimits) -> list[tuple[str, bytes]]:
    """The files of a ZIP archive as (name, bytes), in archive order, or a refusal of the whole
    archive. Folders are flattened (only the file's own name is kept: no path is ever used);
    folder entries and the hidden files archivers add (`__MACOSX/`, `.DS_Store`) are skipped.
    Refused: more entries than allowed, an entry or a total larger than allowed, a compression
    ratio above `max_ratio`, encrypted entries, an archive that cannot be read. The declared
    sizes are checked first and reading is bounded too, so a lying header reads no more."""
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DocumentRefused(f"the ZIP archive cannot be read: {exc}") from exc
    with archive:
        entries = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not PurePosixPath(info.filename.replace("\\", "/")).name.startswith(".")
        ]
        if not entries:
            raise DocumentRefused("the ZIP archive holds no file")
        if len(entries) > limits.max_entries:
            raise DocumentRefused(
                f"the ZIP archive holds {len(entries)} files; the limit is {limits.max_entries}"
            )
        declared_total = sum(info.file_size for info in entries)
        if declared_total > limits.max_total_bytes:
            raise DocumentRefused(
                f"the ZIP archive unpacks to {declared_total} bytes; the limit is "
                f"{limits.max_total_bytes}"
            )
        files: list[tuple[str, bytes]] = []
        total = 0
        for info in entries:
            name = PurePosixPath(info.filename.replace("\\", "/")).name
            if info.flag_bits & 0x1:
                raise DocumentRefused(f"{name} in the ZIP archive is encrypted")
            if info.file_size > limits.max_entry_bytes:
                raise DocumentRefused(
                    f"{name} in the ZIP archive is {info.file_size} bytes; the limit is "
                    f"{limits.max_entry_bytes}"
                )
            if info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise DocumentRefused(
                    f"{name} in the ZIP archive is compressed more than {limits.max_ratio} to 1; "
                    "it is refused as a possible zip bomb"
                )
            try:
                with archive.open(info) as member:
                    data = member.read(limits.max_entry_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
                raise DocumentRefused(f"{name} in the ZIP archive cannot be read: {exc}") from exc
            total += len(data)
            if len(data) > limits.max_entry_bytes or total > limits.max_total_bytes:
                raise DocumentRefused(
                    f"{name} in the ZIP archive unpacks to more than its header says; refused"
                )
            files.append((name, data))
        return files
