"""Fixtures: copies of the demo dossier's Beancount ledger in a temporary folder."""

import shutil
from datetime import date
from pathlib import Path

import pytest
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE

TODAY = date(2026, 11, 30)


@pytest.fixture
def demo_root(tmp_path: Path) -> Path:
    """The full demo ledger (2026's invoices and payments) in a temporary root."""
    shutil.copytree(DEMO_ROOT / DOSSIER_CODE, tmp_path / DOSSIER_CODE)
    return tmp_path


@pytest.fixture
def empty_root(demo_root: Path) -> Path:
    """The demo's chart, master data and opening balance, with no bookings yet."""
    (demo_root / DOSSIER_CODE / "bookings.beancount").write_text(";; bookings\n")
    return demo_root


@pytest.fixture
def connector(empty_root: Path) -> BeancountConnector:
    return BeancountConnector(empty_root, today=lambda: TODAY)
