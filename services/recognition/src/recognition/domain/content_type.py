"""What a document is, from its first bytes: mail clients and scanners often send PDFs as
application/octet-stream and photos with the wrong extension, so the bytes decide."""

from typing import Final

__all__ = ["IMAGE_TYPES", "sniff_content_type"]

IMAGE_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/tiff"})

_BOMS: Final = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff_content_type(content: bytes) -> str | None:
    """application/pdf, image/png, image/jpeg, image/tiff, application/xml, or None."""
    head = content[:1024]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    # The PDF header may follow some garbage; readers accept it within the first 1 KB.
    if b"%PDF-" in head:
        return "application/pdf"
    text = head
    for bom in _BOMS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    text = text.replace(b"\x00", b"").lstrip()
    if text.startswith(b"<?xml") or (text[:1] == b"<" and text[1:2].isalpha()):
        return "application/xml"
    return None
