"""`found_or_404`: the one way a service turns "not there" into its 404."""

import pytest
from fastapi import HTTPException
from ledgerline.errors import found_or_404


def test_something_found_is_returned_as_it_is() -> None:
    row = {"id": 1}
    assert found_or_404(row, "document 1") is row
    assert found_or_404(0, "a count") == 0  # only None is "not found"


def test_nothing_found_is_a_404_naming_what() -> None:
    with pytest.raises(HTTPException) as raised:
        found_or_404(None, "document 5d0c")
    assert (raised.value.status_code, raised.value.detail) == (404, "document 5d0c not found")
