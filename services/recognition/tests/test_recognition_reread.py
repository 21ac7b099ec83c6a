"""Reading a document again fetches it from the dossier it is in now: ingest's content URL
names the dossier, and the office may have moved the document since it was received."""

import uuid

from recognition.entrypoints.consumers import content_url_in


def test_the_content_url_names_the_dossier_the_document_is_in_now() -> None:
    received_in, moved_to, document = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    url = f"http://ingest:8001/dossiers/{received_in}/documents/{document}/content"
    assert content_url_in(url, moved_to) == (
        f"http://ingest:8001/dossiers/{moved_to}/documents/{document}/content"
    )
    assert content_url_in(url, received_in) == url
