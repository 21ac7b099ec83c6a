"""The one Dockerfile (deploy/Dockerfile) builds every service's image: each SERVICE is a
workspace package `ledgerline-<service>` with a `<service>` command, and the recognition
image has Tesseract with every OCR language recognition asks for. (No Docker engine here:
the image itself is not built in the tests.)"""

import re
import tomllib
from pathlib import Path

import pytest
from recognition.domain.ocr import DEFAULT_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()
SERVICES = ("ingest", "recognition", "worklist", "approvals", "payments", "sync")


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_a_package_with_its_command(service: str) -> None:
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert project["project"]["name"] == f"ledgerline-{service}"  # uv sync --package
    assert service in project["project"]["scripts"]  # the image's entrypoint runs it
    assert 'uv sync --frozen --no-dev --no-editable --package "ledgerline-$SERVICE"' in DOCKERFILE


def test_the_recognition_image_has_tesseract_in_every_default_ocr_language() -> None:
    step = re.search(r'if \[ "\$SERVICE" = recognition \]; then(.*?)fi', DOCKERFILE, re.S)
    assert step is not None, "no recognition-only install step"
    packages = set(step.group(1).split())
    assert "tesseract-ocr" in packages
    for language in DEFAULT_LANGUAGES.split("+"):
        assert f"tesseract-ocr-{language}" in packages
