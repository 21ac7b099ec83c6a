"""What ingest refuses by what is inside a file: pages, password, pixels, ZIP archives."""

import io
import struct
import time
import zipfile
import zlib

import pytest
from ingest.domain.documents import (
    PDF,
    PNG,
    DocumentRefused,
    Limits,
    ZipLimits,
    examine,
    is_zip,
    unzip,
)
from pypdf import PdfWriter

LIMITS = Limits(max_bytes=10_000_000, max_pages=3)


def pdf(pages: int, password: str | None = None, owner: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=owner or password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with one tiny (invalid) data chunk: what a
    decompression bomb looks like to a reader that only reads the header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def test_a_pdf_within_the_page_limit_is_taken_with_its_page_count() -> None:
    examined = examine(pdf(3), LIMITS)
    assert (examined.kind, examined.page_count) == (PDF, 3)


def test_a_pdf_over_the_page_limit_is_refused() -> None:
    with pytest.raises(DocumentRefused, match=r"^the PDF has 4 pages; the limit is 3$"):
        examine(pdf(4), LIMITS)


def test_a_password_protected_pdf_is_refused_with_a_sentence() -> None:
    with pytest.raises(
        DocumentRefused,
        match=r"^the PDF is protected with a password; send it without the password$",
    ):
        examine(pdf(1, password="geheim"), LIMITS)


def test_an_encrypted_pdf_that_opens_without_a_password_is_taken() -> None:
    # Only an owner password (printing/copying restrictions): it opens with the empty password.
    assert examine(pdf(2, password="", owner="owner"), LIMITS).page_count == 2


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n% no structure\n%%EOF\n",  # no cross-reference table
        b"%PDF-1.7\n" + b"\x00garbage" * 100,  # a PDF header on junk
        pdf(2)[: len(pdf(2)) // 2],  # cut off in transit
    ],
    ids=["no-structure", "junk", "truncated"],
)
def test_a_corrupt_pdf_is_refused_with_a_sentence(content: bytes) -> None:
    # Before: let through as delivered (page_count None), to fail later out of the client's sight.
    with pytest.raises(DocumentRefused, match=r"^the PDF is damaged and cannot be read \(.+\); "):
        examine(content, LIMITS)


def test_a_pdf_without_pages_is_refused() -> None:
    with pytest.raises(DocumentRefused, match=r"^the PDF has no pages$"):
        examine(pdf(0), LIMITS)


def flate_pdf(*inflated_sizes: int, filter_: bytes = b"/FlateDecode") -> bytes:
    """A one-page PDF with one Flate stream of zeros per size (the first is the page's content
    stream): a decompression bomb when a size is large. About 1 MB of file per GiB inflated."""

    def zeros(size: int) -> bytes:
        """A zlib stream of `size` zero bytes (a multiple of 1 MiB), made without holding them:
        after a full flush the compressor starts afresh, so every further MiB compresses to the
        same bytes, which are repeated (as recognition's benchmark corpus makes its bomb)."""
        chunk = 1 << 20
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        deflater.compress(bytes(chunk))
        deflater.flush(zlib.Z_FULL_FLUSH)
        repeated = deflater.compress(bytes(chunk)) + deflater.flush(zlib.Z_FULL_FLUSH)
        adler = ((size % 65521) << 16) | 1  # Adler-32 of zeros: A stays 1, B adds 1 a byte
        return b"\x78\xda" + repeated * (size // chunk) + deflater.flush() + adler.to_bytes(4)

    streams = [zeros(size) for size in inflated_sizes]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        *(
            b"<< /Length %d /Filter %s >>\nstream\n" % (len(data), filter_) + data + b"\nendstream"
            for data in streams
        ),
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


BOMB_LIMITS = Limits(max_bytes=10_000_000, max_pages=3, max_pdf_inflated_bytes=4 << 20)
BOMB_REFUSAL = (
    r"^the PDF decompresses to more than 4,194,304 bytes; it is refused as a possible "
    r"decompression bomb$"
)


@pytest.mark.parametrize(
    "content",
    [
        flate_pdf(5 << 20),  # one stream over the limit
        flate_pdf(2 << 20, 2 << 20, 1 << 20),  # streams that pass it together
        flate_pdf(5 << 20, filter_=b"[/Fl /ASCIIHexDecode]"),  # abbreviated, first of a chain
    ],
    ids=["one-stream", "together", "filter-chain"],
)
def test_a_pdf_that_inflates_beyond_the_limit_is_refused(content: bytes) -> None:
    # Before: taken (its page tree is fine) and stored; recognition then ended it "empty".
    with pytest.raises(DocumentRefused, match=BOMB_REFUSAL):
        examine(content, BOMB_LIMITS)


def test_an_encrypted_bomb_that_opens_without_a_password_is_refused() -> None:
    # Its streams are encrypted in the file: they are read through pypdf, decrypted.
    writer = PdfWriter(clone_from=io.BytesIO(flate_pdf(5 << 20)))
    writer.encrypt(user_password="", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentRefused, match=BOMB_REFUSAL):
        examine(buffer.getvalue(), BOMB_LIMITS)


def test_a_stray_endstream_in_the_data_does_not_hide_the_rest() -> None:
    # Stored (uncompressed) deflate blocks: the word `endstream` early in the data, then
    # 5 MiB more. Inflation goes by the zlib data, not by where the word appears.
    data = zlib.compress(b"endstream\n" + bytes(5 << 20), 0)
    assert b"endstream" in data[:64]
    content = flate_pdf(1 << 20)
    body = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
    bomb = content.replace(b"%%EOF", b"%%EOF\n99 0 obj\n" + body + b"\nendstream\nendobj\n")
    with pytest.raises(DocumentRefused, match=BOMB_REFUSAL):
        examine(bomb, BOMB_LIMITS)


def test_a_pdf_within_the_inflation_limit_is_taken() -> None:
    assert examine(flate_pdf(1 << 20, 2 << 20), BOMB_LIMITS).page_count == 1


def test_a_gigabyte_bomb_is_refused_in_bounded_time_at_the_default_limit() -> None:
    bomb = flate_pdf(1 << 30)  # 1 GiB of zeros in about 1 MB of file
    assert len(bomb) < 2 << 20
    started = time.monotonic()
    with pytest.raises(DocumentRefused, match="more than 209,715,200 bytes"):
        examine(bomb, Limits(max_bytes=10_000_000, max_pages=3))
    # Inflation stops at the limit (200 MiB), chunk by chunk: no more than 1 MiB held at once;
    # the gigabyte is never made.
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("width", "height"),
    [(12_000, 9_000), (20_000, 20_000)],  # above ours; above Pillow's own bomb bound too
)
def test_an_image_above_100_megapixels_is_refused_from_its_header(width: int, height: int) -> None:
    with pytest.raises(DocumentRefused, match=r"the limit is 100,000,000 \(100 megapixels\)"):
        examine(png_header(width, height), Limits(10_000_000, 200))


def test_an_image_within_the_limit_is_taken() -> None:
    assert examine(png_header(10_000, 10_000), Limits(10_000_000, 200)).kind == PNG


def archive(*entries: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zipped:
        for name, data in entries:
            zipped.writestr(name, data)
    return buffer.getvalue()


ZIP_LIMITS = ZipLimits(max_entries=3, max_entry_bytes=100_000, max_total_bytes=150_000)


def test_a_zip_gives_its_files_by_their_own_names_without_folders() -> None:
    content = archive(
        ("november/a.pdf", b"%PDF-1.4 a"),
        ("../../etc/b.xml", b"<Invoice/>"),
        ("__MACOSX/._a.pdf", b"junk"),
        (".DS_Store", b"junk"),
        ("empty-folder/", b""),
    )
    assert is_zip(content)
    assert unzip(content, ZIP_LIMITS) == [("a.pdf", b"%PDF-1.4 a"), ("b.xml", b"<Invoice/>")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (archive(*[(f"{i}.pdf", b"%PDF") for i in range(4)]), "holds 4 files; the limit is 3"),
        (
            archive(("big.pdf", b"%PDF" + bytes(100_000)), method=zipfile.ZIP_STORED),
            "big.pdf in the ZIP archive is 100004 bytes; the limit is 100000",
        ),
        (
            archive(*[(f"{i}.pdf", b"%PDF" + bytes(60_000)) for i in range(3)]),
            "unpacks to 180012 bytes; the limit is 150000",
        ),
        (archive(("bomb.pdf", bytes(90_000))), "compressed more than 100 to 1"),
        (b"PK\x03\x04 not really a zip", "the ZIP archive cannot be read"),
        (archive(("folder/", b"")), "the ZIP archive holds no file"),
    ],
    ids=["count", "entry size", "total size", "ratio", "corrupt", "empty"],
)
def test_a_zip_beyond_a_limit_is_refused_whole(content: bytes, message: str) -> None:
    with pytest.raises(DocumentRefused, match=message):
        unzip(content, ZIP_LIMITS)
