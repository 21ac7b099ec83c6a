"""Merge and split with pypdf: page counts, page order, images as pages, and the refusals."""

from io import BytesIO

import pytest
from ingest.domain.documents import JPEG, PDF, PNG, TIFF, XML
from ingest.domain.pdfops import (
    PdfOperationRefused,
    Source,
    bulk_parts,
    individual_parts,
    merge,
    result_name,
    split,
)
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas


def pdf(*texts: str) -> bytes:
    """A PDF with one page per text, each page showing its text."""
    buffer = BytesIO()
    canvas = Canvas(buffer)
    for text in texts:
        canvas.drawString(72, 720, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def texts(content: bytes) -> list[str]:
    return [page.extract_text().strip() for page in PdfReader(BytesIO(content)).pages]


def image(fmt: str, frames: int = 1, size: tuple[int, int] = (300, 150)) -> bytes:
    buffer = BytesIO()
    pictures = [Image.new("RGB", size, (40 * i, 90, 200)) for i in range(frames)]
    pictures[0].save(buffer, fmt, save_all=frames > 1, append_images=pictures[1:])
    return buffer.getvalue()


def test_merge_keeps_the_pages_source_after_source_in_their_order() -> None:
    merged = merge([Source("a.pdf", pdf("A1", "A2"), PDF), Source("b.pdf", pdf("B1"), PDF)])
    assert texts(merged) == ["A1", "A2", "B1"]


def test_images_become_pages_and_a_multi_page_tiff_each_of_its_frames() -> None:
    merged = merge(
        [
            Source("scan.png", image("PNG"), PNG),
            Source("a.pdf", pdf("A1"), PDF),
            Source("photo.jpg", image("JPEG"), JPEG),
            Source("fax.tif", image("TIFF", frames=3), TIFF),
        ]
    )
    reader = PdfReader(BytesIO(merged))
    assert len(reader.pages) == 6
    assert reader.pages[1].extract_text().strip() == "A1"
    # a 300 x 150 image keeps its shape
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width == pytest.approx(2 * height)


def test_merge_refuses_xml_damaged_files_and_a_single_document() -> None:
    with pytest.raises(PdfOperationRefused, match=r"^choose at least two documents to merge$"):
        merge([Source("a.pdf", pdf("A1"), PDF)])
    with pytest.raises(
        PdfOperationRefused, match=r"^invoice.xml is not a PDF or an image \(application/xml\)"
    ):
        merge([Source("a.pdf", pdf("A1"), PDF), Source("invoice.xml", b"<Invoice/>", XML)])
    broken = pdf("A1")[:200]
    with pytest.raises(PdfOperationRefused, match=r"^b.pdf is a damaged PDF and cannot be read$"):
        merge([Source("a.pdf", pdf("A1"), PDF), Source("b.pdf", broken, PDF)])
    with pytest.raises(PdfOperationRefused, match=r"^c.png is a damaged image"):
        merge([Source("a.pdf", pdf("A1"), PDF), Source("c.png", image("PNG")[:40], PNG)])


def test_an_individual_split_takes_the_chosen_pages_in_order_and_keeps_the_rest() -> None:
    assert individual_parts([3, 1], 4) == [[3, 1], [2, 4]]
    assert individual_parts([2, 1, 3], 3) == [[2, 1, 3]]  # every page: a reordered copy
    parts = split(
        Source("s.pdf", pdf("P1", "P2", "P3", "P4"), PDF), lambda n: individual_parts([3, 1], n)
    )
    assert [texts(part) for part in parts] == [["P3", "P1"], ["P2", "P4"]]


def test_a_bulk_split_starts_a_document_at_each_chosen_page_in_the_new_order() -> None:
    assert bulk_parts(None, [1, 3], 4) == [[1, 2], [3, 4]]
    assert bulk_parts(None, [2, 3], 3) == [[1], [2], [3]]  # the first page always starts one
    assert bulk_parts([3, 1, 2], [3, 2], 3) == [[3, 1], [2]]
    assert bulk_parts([1, 3], [3], 3) == [[1], [3]]  # page 2 (a blank separator) left out
    parts = split(
        Source("s.pdf", pdf("P1", "P2", "P3"), PDF), lambda n: bulk_parts([3, 1, 2], [1, 2], n)
    )
    assert [texts(part) for part in parts] == [["P3"], ["P1"], ["P2"]]


@pytest.mark.parametrize(
    ("parts_of", "message"),
    [
        (lambda n: individual_parts([], n), r"^choose at least one page \(pages is empty\)$"),
        (
            lambda n: individual_parts([1, 4], n),
            r"^page 4 does not exist: the PDF has 3 pages \(1 to 3\)$",
        ),
        (lambda n: individual_parts([0], n), r"^page 0 does not exist"),
        (lambda n: individual_parts([2, 2], n), r"^page 2 is chosen twice in pages$"),
        (lambda n: bulk_parts(None, [], n), r"^choose at least one page that starts"),
        (lambda n: bulk_parts(None, [1], n), r"^the split gives a single document"),
        (lambda n: bulk_parts([1, 2], [3], n), r"^page 3 starts a document but is not in order$"),
        (lambda n: bulk_parts([1, 1, 2], [2], n), r"^page 1 is chosen twice in order$"),
        (lambda n: bulk_parts(None, [9], n), r"^page 9 does not exist"),
    ],
)
def test_a_split_with_pages_that_do_not_fit_is_refused_with_a_sentence(
    parts_of: object, message: str
) -> None:
    with pytest.raises(PdfOperationRefused, match=message):
        split(Source("s.pdf", pdf("P1", "P2", "P3"), PDF), parts_of)  # type: ignore[arg-type]


def test_results_are_named_after_their_source() -> None:
    assert result_name("Meelhandel november.pdf", "merged") == "Meelhandel november (merged).pdf"
    assert result_name("scan.tif", "part 1 of 2") == "scan (part 1 of 2).pdf"
