"""`recognition extract` as a user runs it: a console script whose output is piped."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

from ledgerline.devstack.paths import given_testdata
from ledgerline.events import DocumentRecognized
from recognition.domain.result_view import FIELD_NAMES, result_view

SCRIPT = Path(sys.executable).with_name("recognition")
SAMPLE = given_testdata() / "ubl" / "ubl-tc434-example1.xml"


def test_extract_prints_the_flat_json_shape() -> None:
    done = subprocess.run(
        [SCRIPT, "extract", SAMPLE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "ok"
    assert result["source"] == "ubl"
    assert result["fields"]["total_incl_vat"] == "250.33"


def test_extract_into_a_closed_pipe_ends_quietly() -> None:
    # The reader is gone before the command writes anything: every write meets EPIPE.
    process = subprocess.Popen(
        [SCRIPT, "extract", SAMPLE], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert stderr.decode() == ""
    assert process.returncode == 141


def test_extract_piped_into_head_has_no_traceback() -> None:
    done = subprocess.run(
        f"'{SCRIPT}' extract '{SAMPLE}' | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout == '{\n  "statu'
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr


def test_nothing_found_still_lists_every_field_as_null() -> None:
    view = result_view(
        DocumentRecognized(
            document_id=uuid.uuid4(), status="empty", source="air", confidence=0.0, reason="blank"
        )
    ).model_dump(mode="json")
    assert view["fields"] == dict.fromkeys(FIELD_NAMES)
    assert view["field_confidence"] == dict.fromkeys(FIELD_NAMES, 0.0)
    assert (view["status"], view["reason"], view["lines"]) == ("empty", "blank", [])
    assert "invoice" not in view
