"""Recognition benchmark: field accuracy and speed on real invoices and on a synthetic corpus,
beside invoice2data.

    uv run python services/recognition/bench/bench_recognition.py [--count 60] [--out DIR]

0. When the real development set is present (`../shared/testdata/realworld-dev`, or
   $LEDGERLINE_TESTDATA/realworld-dev), scores it first (`realworld.py`: per field, per
   group, per family with a macro average, invoice2data on the same files, and the
   reliability of the reported confidences); says so when it is absent.

1. Generates the corpus (`corpus.py`: text PDFs and scans with known truth) into DIR (a temp
   dir by default), or reuses DIR when it already holds a corpus of that size (--reuse).
2. Runs `recognition.domain.recognize.recognize` on every document and compares the 15
   invoice fields with the truth: strings case- and whitespace-insensitive, amounts as
   Decimal, dates exactly; a field the truth leaves empty must be empty. Reports accuracy
   per field and overall, separately for text PDFs and scans, with pages per second.
3. Measures UBL documents per second over the Peppol / EN 16931 samples in tests/data/ubl.
4. Runs the same corpus through invoice2data (`extract_data` with its bundled templates) and
   reports its accuracy in the same table. Text PDFs go through its pdfplumber input module
   (pdftotext is not installed here); for scans its tesseract module needs ImageMagick,
   which is not installed either, so it gets the text of the same page images from
   Tesseract (`pytesseract.image_to_string`, nld+fra+eng) through its `text` input module.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
FIELDS = (
    "document_type", "supplier_name", "supplier_vat", "customer_name", "customer_vat",
    "invoice_number", "issue_date", "due_date", "currency", "total_excl_vat", "total_vat",
    "total_incl_vat", "iban", "bic", "payment_reference",
)  # fmt: skip
AMOUNT_FIELDS = frozenset({"total_excl_vat", "total_vat", "total_incl_vat"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})


def load_corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("recognition_bench_corpus", HERE / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --- comparison -------------------------------------------------------------------------------


def _as_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _normalised(value: Any) -> str | None:
    if value is None:
        return None
    return re.sub(r"\s+", " ", str(value)).strip().casefold() or None


def same(field_name: str, expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and (actual is None or actual == "")
    if field_name in AMOUNT_FIELDS:
        return _as_decimal(expected) == _as_decimal(actual)
    if field_name in DATE_FIELDS:
        return _as_date(expected) == _as_date(actual)
    return _normalised(expected) == _normalised(actual)


@dataclass
class Score:
    documents: int = 0
    pages: int = 0
    seconds: float = 0.0
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    valued: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    valued_correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    statuses: dict[str, int] = field(default_factory=dict)
    lines_exact: int = 0
    mistakes: list[str] = field(default_factory=list)

    def add(self, name: str, truth: dict[str, Any], found: dict[str, Any]) -> None:
        self.documents += 1
        for field_name in FIELDS:
            ok = same(field_name, truth[field_name], found.get(field_name))
            self.correct[field_name] += ok
            if truth[field_name] is not None:
                self.valued[field_name] += 1
                self.valued_correct[field_name] += ok
            if not ok:
                self.mistakes.append(
                    f"{name}: {field_name} expected {truth[field_name]!r} got {found.get(field_name)!r}"
                )

    def accuracy(self, field_name: str | None = None) -> float:
        if not self.documents:
            return float("nan")
        if field_name is not None:
            return self.correct[field_name] / self.documents
        return sum(self.correct.values()) / (self.documents * len(FIELDS))

    def valued_accuracy(self) -> float:
        total = sum(self.valued.values())
        return sum(self.valued_correct.values()) / total if total else float("nan")


# --- our recogniser ---------------------------------------------------------------------------


def run_ours(corpus_dir: Path, entries: list[dict[str, Any]]) -> dict[str, Score]:
    from recognition.domain.content_type import sniff_content_type
    from recognition.domain.recognize import recognize

    scores = {"text": Score(), "scan": Score()}
    for entry in entries:
        content = (corpus_dir / entry["file"]).read_bytes()
        kind = sniff_content_type(content) or "application/octet-stream"
        started = time.perf_counter()
        result = recognize(uuid.uuid4(), content, kind)
        elapsed = time.perf_counter() - started
        score = scores[entry["kind"]]
        score.seconds += elapsed
        score.pages += entry["pages"]
        score.statuses[result.status] = score.statuses.get(result.status, 0) + 1
        found: dict[str, Any] = {}
        lines: list[dict[str, Any]] = []
        if result.invoice is not None:
            found = result.invoice.fields.model_dump(mode="json")
            lines = [line.model_dump(mode="json") for line in result.invoice.lines]
        score.add(entry["file"], entry["fields"], found)
        truth_nets = [Decimal(line["net_amount"]) for line in entry["lines"]]
        found_nets = [_as_decimal(line.get("net_amount")) for line in lines]
        score.lines_exact += truth_nets == found_nets
    return scores


def ubl_samples() -> list[bytes]:
    """The repository's UBL samples, plus any other UBL file of the optional shared corpus."""
    from ledgerline.devstack.paths import given_testdata, shared_testdata

    samples = {path.read_bytes() for path in sorted((given_testdata() / "ubl").glob("*.xml"))}
    extra = shared_testdata()
    if extra is None:
        print(
            "../shared/testdata not found (optional): UBL speed over the repository's samples only"
        )
    else:
        samples |= {path.read_bytes() for path in sorted((extra / "ubl").glob("*.xml"))}
    return sorted(samples)


def ubl_docs_per_second(repeat: int = 200) -> tuple[float, int]:
    from recognition.domain.recognize import recognize

    samples = ubl_samples()
    started = time.perf_counter()
    for _ in range(repeat):
        for sample in samples:
            recognize(uuid.uuid4(), sample, "application/xml")
    elapsed = time.perf_counter() - started
    return repeat * len(samples) / elapsed, len(samples)


# --- invoice2data -----------------------------------------------------------------------------


def _invoice2data_fields(result: dict[str, Any]) -> dict[str, Any]:
    """invoice2data's output keys mapped onto our fields (its templates name them freely)."""

    def first(*keys: str) -> Any:
        for key in keys:
            if result.get(key) not in (None, ""):
                return result[key]
        return None

    def money(value: Any) -> Any:
        if isinstance(value, float):
            return f"{value:.2f}"
        return value

    return {
        "document_type": None,
        "supplier_name": first("issuer", "partner_name"),
        "supplier_vat": first("vat", "partner_vat", "vat_number"),
        "customer_name": None,
        "customer_vat": None,
        "invoice_number": first("invoice_number"),
        "issue_date": first("date"),
        "due_date": first("date_due"),
        "currency": first("currency"),
        "total_excl_vat": money(first("amount_untaxed")),
        "total_vat": money(first("amount_tax")),
        "total_incl_vat": money(first("amount")),
        "iban": first("iban", "partner_iban"),
        "bic": first("bic", "partner_bic"),
        "payment_reference": first("payment_reference", "payment_ref"),
    }


def _scan_text(path: Path) -> str:
    """The Tesseract text of a scan's pages (what invoice2data's OCR backend would read)."""
    import io

    import pypdfium2 as pdfium
    import pytesseract
    from PIL import Image, ImageSequence

    data = path.read_bytes()
    images = []
    if data.startswith(b"%PDF"):
        document = pdfium.PdfDocument(data)
        for page in document:
            images.append(page.render(scale=300 / 72, grayscale=True).to_pil())
        document.close()
    else:
        image = Image.open(io.BytesIO(data))
        images = [frame.copy() for frame in ImageSequence.Iterator(image)]
    return "\n".join(pytesseract.image_to_string(image, lang="nld+fra+eng") for image in images)


def run_invoice2data(
    corpus_dir: Path, entries: list[dict[str, Any]]
) -> tuple[dict[str, Score], str]:
    logging.getLogger("invoice2data").setLevel(logging.CRITICAL)
    from invoice2data import extract_data
    from invoice2data.extract.loader import read_templates
    from invoice2data.input import pdfplumber as pdfplumber_input
    from invoice2data.input import text as text_input

    templates = read_templates()
    scores = {"text": Score(), "scan": Score()}
    work = Path(tempfile.mkdtemp(prefix="invoice2data-"))
    for entry in entries:
        path = corpus_dir / entry["file"]
        score = scores[entry["kind"]]
        started = time.perf_counter()
        try:
            if entry["kind"] == "text":
                result = extract_data(str(path), templates=templates, input_module=pdfplumber_input)
            else:
                text_path = work / (path.stem + ".txt")
                text_path.write_text(_scan_text(path))
                result = extract_data(str(text_path), templates=templates, input_module=text_input)
        except Exception as exc:  # a third-party tool: count a crash as nothing found
            result = {}
            score.mistakes.append(f"{entry['file']}: invoice2data raised {type(exc).__name__}")
        score.seconds += time.perf_counter() - started
        score.pages += entry["pages"]
        score.statuses["matched" if result else "no template"] = (
            score.statuses.get("matched" if result else "no template", 0) + 1
        )
        score.add(entry["file"], entry["fields"], _invoice2data_fields(result or {}))
    return scores, f"{len(templates)} bundled templates"


# --- report -----------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return "   n/a" if value != value else f"{100 * value:5.1f}%"


def print_report(
    ours: dict[str, Score],
    theirs: dict[str, Score] | None,
    ubl: tuple[float, int],
    template_note: str,
) -> None:
    columns: list[tuple[str, Score]] = [("ours text", ours["text"]), ("ours scans", ours["scan"])]
    if theirs is not None:
        columns += [("i2d text", theirs["text"]), ("i2d scans", theirs["scan"])]
    header = f"{'field':<20}" + "".join(f"{name:>12}" for name, _ in columns)
    print()
    print(header)
    print("-" * len(header))
    for field_name in FIELDS:
        print(
            f"{field_name:<20}" + "".join(f"{_pct(s.accuracy(field_name)):>12}" for _, s in columns)
        )
    print("-" * len(header))
    rows: list[tuple[str, Callable[[Score], str]]] = [
        ("ALL FIELDS", lambda s: _pct(s.accuracy())),
        ("fields with a value", lambda s: _pct(s.valued_accuracy())),
        (
            "lines (net amounts)",
            lambda s: _pct(s.lines_exact / s.documents if s.documents else float("nan")),
        ),
        ("documents", lambda s: str(s.documents)),
        ("pages", lambda s: str(s.pages)),
        ("seconds", lambda s: f"{s.seconds:.2f}"),
        ("pages/second", lambda s: f"{s.pages / s.seconds:.1f}" if s.seconds else "n/a"),
        ("docs/second", lambda s: f"{s.documents / s.seconds:.1f}" if s.seconds else "n/a"),
    ]
    for label, render in rows:
        print(f"{label:<20}" + "".join(f"{render(s):>12}" for _, s in columns))
    print()
    for name, score in columns:
        print(f"status counts {name}: {dict(sorted(score.statuses.items()))}")
    print(f"UBL: {ubl[0]:.0f} documents/second (recognize() over {ubl[1]} UBL samples)")
    if theirs is not None:
        print(
            f"invoice2data: extract_data with its {template_note}; text PDFs via its pdfplumber "
            "input module, scans via Tesseract text and its text input module "
            "(pdftotext and ImageMagick are not installed)."
        )


def run_realworld(*, with_invoice2data: bool, mistakes: bool) -> None:
    from ledgerline.devstack.paths import shared_testdata

    shared = shared_testdata()
    folder = shared / "realworld-dev" if shared is not None else None
    if folder is None or not (folder / "truth.json").is_file():
        print(
            "real development set not found (../shared/testdata/realworld-dev, or "
            "$LEDGERLINE_TESTDATA/realworld-dev): only the generated corpus is measured"
        )
        return
    sys.path.insert(0, str(HERE))
    import realworld  # type: ignore[import-not-found]

    ours = realworld.run_ours(folder)
    theirs = realworld.run_invoice2data(folder) if with_invoice2data else None
    realworld.print_report(ours, theirs, mistakes=mistakes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Field accuracy and speed of recognition on a synthetic corpus.",
        epilog="example: uv run python services/recognition/bench/bench_recognition.py --count 60",
    )
    parser.add_argument("--count", type=int, default=60, help="documents to generate (default 60)")
    parser.add_argument("--seed", type=int, default=20260314, help="corpus seed")
    parser.add_argument("--out", type=Path, default=None, help="corpus folder (default: temp dir)")
    parser.add_argument("--reuse", action="store_true", help="reuse a corpus already in --out")
    parser.add_argument("--no-invoice2data", action="store_true", help="skip the comparison")
    parser.add_argument("--text-only", action="store_true", help="skip the scans (quick runs)")
    parser.add_argument("--mistakes", action="store_true", help="list every wrong field")
    parser.add_argument("--real-only", action="store_true", help="only the development set")
    parser.add_argument("--no-real", action="store_true", help="skip the development set")
    args = parser.parse_args(argv)

    if not args.no_real:
        run_realworld(with_invoice2data=not args.no_invoice2data, mistakes=args.mistakes)
    if args.real_only:
        return 0

    out = args.out or Path(tempfile.mkdtemp(prefix="ledgerline-corpus-"))
    truth_file = out / "truth.json"
    if args.reuse and truth_file.exists():
        entries = json.loads(truth_file.read_text())["documents"]
    else:
        started = time.perf_counter()
        entries = load_corpus_module().generate_corpus(out, count=args.count, seed=args.seed)
        print(f"corpus: {len(entries)} documents in {out} ({time.perf_counter() - started:.1f} s)")
    if args.text_only:
        entries = [entry for entry in entries if entry["kind"] == "text"]

    ours = run_ours(out, entries)
    ubl = ubl_docs_per_second()
    theirs, note = (None, "") if args.no_invoice2data else run_invoice2data(out, entries)
    print_report(ours, theirs, ubl, note)
    if args.mistakes:
        print("\nour mistakes:")
        for score in ours.values():
            for mistake in score.mistakes:
                print("  " + mistake)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
