"""The bulk intake request (POST .../documents/bulk): what one item must be."""

import base64

import pytest
from ingest.entrypoints.api.bulk import BulkDelivery, BulkItem
from pydantic import ValidationError


def test_an_item_is_xml_text_or_base64_content_never_both_nor_neither() -> None:
    assert BulkItem(key="k1", xml="<Invoice/>").data() == b"<Invoice/>"
    pdf = b"%PDF-1.4\n%%EOF\n"
    item = BulkItem.model_validate({"key": "k2", "content": base64.b64encode(pdf).decode()})
    assert item.data() == pdf
    for bad in ({"key": "k3"}, {"key": "k4", "xml": "<a/>", "content": "PGEvPg=="}):
        with pytest.raises(ValidationError, match="either `xml` or `content`"):
            BulkItem.model_validate(bad)


@pytest.mark.parametrize(
    "item",
    [
        {"key": "", "xml": "<a/>"},
        {"key": "ap\x00msg", "xml": "<a/>"},  # PostgreSQL text cannot hold a NUL: a 422, not a 500
        {"key": "k", "filename": "in\nvoice.xml", "xml": "<a/>"},
        {"key": "k", "content": "not base64!"},
        {"key": "k", "xml": "<a/>", "unknown": 1},
    ],
)
def test_bad_items_are_refused(item: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BulkItem.model_validate(item)


def test_a_delivery_needs_documents_and_a_known_channel() -> None:
    assert (
        BulkDelivery.model_validate({"documents": [{"key": "k", "xml": "<a/>"}]}).channel == "api"
    )
    with pytest.raises(ValidationError):
        BulkDelivery.model_validate({"documents": []})
    with pytest.raises(ValidationError):
        BulkDelivery.model_validate({"channel": "fax", "documents": [{"key": "k", "xml": "<a/>"}]})
