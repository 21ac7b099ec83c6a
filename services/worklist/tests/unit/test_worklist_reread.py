"""Which proposals may have their document read again: only what recognition could not read."""

import uuid

import pytest
from worklist.domain.editing import NotEditable, ensure_rereadable
from worklist.domain.statuses import STATUSES


@pytest.mark.parametrize("status", ["ocr", "empty", "nok"])
def test_ocr_empty_and_nok_proposals_are_read_again(status: str) -> None:
    ensure_rereadable(uuid.uuid4(), status)


@pytest.mark.parametrize("status", sorted(set(STATUSES) - {"ocr", "empty", "nok"}))
def test_every_other_status_is_a_conflict_naming_it(status: str) -> None:
    proposal = uuid.uuid4()
    with pytest.raises(NotEditable, match=f"proposal {proposal} is .*only OCR, Empty or Nok"):
        ensure_rereadable(proposal, status)
