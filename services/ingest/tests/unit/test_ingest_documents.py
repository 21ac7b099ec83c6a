import pytest
from ingest.domain.documents import JPEG, PDF, PNG, XML, DocumentRefused, classify, safe_filename

LIMIT = 1024


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.7\n...", PDF),
        (b"\x89PNG\r\n\x1a\n....", PNG),
        (b"\xff\xd8\xff\xe0....", JPEG),
        (b'<?xml version="1.0"?><Invoice xmlns="urn:x"/>', XML),
        (b"\xef\xbb\xbf\n  <Invoice/>", XML),
    ],
)
def test_documents_are_recognised_by_their_bytes(content: bytes, kind: object) -> None:
    assert classify(content, LIMIT) == kind


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"x" * (LIMIT + 1), "limit is 1024"),
        (b"hello, I am text", "not a PDF"),
        (b"<Invoice><ID>1</Invoice>", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "DOCTYPE",
        ),
    ],
)
def test_refusals_say_why(content: bytes, reason: str) -> None:
    with pytest.raises(DocumentRefused, match=reason):
        classify(content, LIMIT)


def test_file_names_are_made_safe_and_get_an_extension() -> None:
    assert safe_filename("../../etc/passwd", PDF) == "etcpasswd.pdf"
    assert safe_filename(None, XML) == "document.xml"
    assert safe_filename("factuur 12.pdf", PDF) == "factuur 12.pdf"
    assert len(safe_filename("a" * 500, PDF)) <= 204
