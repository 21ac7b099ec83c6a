"""What ingest accepts as a document, decided from the bytes themselves."""

from dataclasses import dataclass
from pathlib import PurePath

from ledgerline.xml import safe_parser
from lxml import etree


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
