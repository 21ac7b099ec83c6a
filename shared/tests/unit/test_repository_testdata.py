"""The test data travels with the repository: a clone alone has every file a test reads."""

import hashlib
import re
from pathlib import Path

import pytest
from ledgerline.devstack import paths

MANIFEST = paths.given_testdata() / "MANIFEST.md"


def _manifest_hashes() -> dict[str, str]:
    text = MANIFEST.read_text(encoding="utf-8")
    block = text.split("## sha256", 1)[1]
    return {
        name: digest
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", block, flags=re.MULTILINE)
    }


def test_test_data_lives_inside_the_repository() -> None:
    assert paths.given_testdata().is_relative_to(paths.REPO_ROOT)
    assert MANIFEST.is_file()


def test_every_test_data_file_is_in_the_manifest_with_its_sha256() -> None:
    hashes = _manifest_hashes()
    on_disk = {
        path.relative_to(paths.given_testdata()).as_posix()
        for path in paths.given_testdata().rglob("*")
        if path.is_file() and path.parent.name != "licenses" and path != MANIFEST
    }
    assert on_disk == set(hashes)
    for name, digest in hashes.items():
        content = (paths.given_testdata() / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest, name


def test_every_manifest_row_names_an_origin_and_a_licence() -> None:
    rows = [line for line in MANIFEST.read_text().splitlines() if line.startswith("| `")]
    assert {row.split("`")[1] for row in rows} == set(_manifest_hashes())
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), row
        assert "@" in cells[2], row  # repository @ commit


def test_the_shared_corpus_is_optional_and_can_be_hidden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LEDGERLINE_TESTDATA", str(tmp_path))
    assert paths.shared_testdata() == tmp_path
    monkeypatch.setenv(paths.NO_SHARED_TESTDATA_ENV, "1")
    assert paths.shared_testdata() is None
    monkeypatch.delenv(paths.NO_SHARED_TESTDATA_ENV)
    monkeypatch.setenv("LEDGERLINE_TESTDATA", str(tmp_path / "absent"))
    assert paths.shared_testdata() is None
