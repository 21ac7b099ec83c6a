"""The real-invoice development set (`../shared/testdata/realworld-dev`), scored by its README.

Each file of `truth.json` is read by `recognize` (and by invoice2data with its bundled
templates, on the same files) and compared field by field with the truth, normalised as the
development set's README says: VAT numbers and IBANs without spaces, dots or dashes and
upper-cased; amounts as absolute values at two decimals; names case-insensitively over
letters and digits only (any of the acceptable printed names); dates as ISO dates. Only the
fields the truth lists are scored (a field the XML had but the page does not print is not).

Reported: accuracy per field, per group (facturx / air / invoice2data), per family (same
issuer or layout) with a macro average over families, the documents entirely right, the
documents given status `ok` while wrong, and a reliability table (reported confidence bucket
-> share of those fields that are right) so that the confidences can be trusted or not.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

SCORED_FIELDS = (
    "document_type", "supplier_name", "supplier_vat", "customer_vat", "invoice_number",
    "issue_date", "due_date", "currency", "total_excl_vat", "total_vat", "total_incl_vat",
    "iban", "payment_reference",
)  # fmt: skip
FAMILIES_OF_FIELDS = {
    "parties": ("supplier_name", "supplier_vat", "customer_vat"),
    "identifiers": ("document_type", "invoice_number", "iban", "currency"),
    "dates": ("issue_date", "due_date"),
    "amounts": ("total_excl_vat", "total_vat", "total_incl_vat"),
    "references": ("payment_reference",),
}
GROUPS = ("facturx", "air", "invoice2data")
BUCKETS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.98), (0.98, 1.01))


# --- normalisation (the README's rules) --------------------------------------------------------


def _compact_id(value: Any) -> str:
    return re.sub(r"[\s.\-]", "", str(value)).upper()


def _amount(value: Any) -> Decimal | None:
    try:
        return abs(Decimal(str(value))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _name(value: Any) -> str:
    return "".join(ch for ch in str(value).casefold() if ch.isalnum())


def _plain(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def field_is_right(field_name: str, expected: Any, actual: Any) -> bool:
    if actual is None or actual == "":
        return False
    if field_name in ("supplier_vat", "customer_vat", "iban"):
        return _compact_id(expected) == _compact_id(actual)
    if field_name.startswith("total_"):
        return _amount(expected) is not None and _amount(expected) == _amount(actual)
    if field_name == "supplier_name":
        options = expected if isinstance(expected, list) else [expected]
        return _name(actual) in {_name(option) for option in options}
    if field_name == "payment_reference":
        return _name(expected) == _name(actual)
    return _plain(expected) == _plain(actual)


# --- scores -----------------------------------------------------------------------------------


@dataclass
class DocumentScore:
    name: str
    group: str
    family: str
    status: str
    source: str
    right: dict[str, bool]
    confidence: dict[str, float]
    found: dict[str, Any]
    expected: dict[str, Any]

    @property
    def fully_right(self) -> bool:
        return all(self.right.values())


@dataclass
class RealWorldRun:
    documents: list[DocumentScore] = field(default_factory=list)
    seconds: float = 0.0
    text_seconds: float = 0.0
    # CPU time of this process: the figure to compare between runs on a shared machine,
    # where the wall-clock time depends on what else runs.
    text_cpu_seconds: float = 0.0
    text_documents: int = 0


def _share(scores: Iterable[bool]) -> float:
    values = list(scores)
    return sum(values) / len(values) if values else float("nan")


def _pct(value: float) -> str:
    return "   n/a" if value != value else f"{100 * value:5.1f}%"


def load_truth(folder: Path) -> dict[str, dict[str, Any]]:
    truth: dict[str, dict[str, Any]] = json.loads((folder / "truth.json").read_text())
    return truth


def _score(
    name: str, entry: dict[str, Any], found: dict[str, Any], status: str, source: str, conf: dict
) -> DocumentScore:
    expected = {k: v for k, v in entry["fields"].items() if k in SCORED_FIELDS}
    return DocumentScore(
        name=name,
        group=entry["group"],
        family=entry["family"],
        status=status,
        source=source,
        right={k: field_is_right(k, v, found.get(k)) for k, v in expected.items()},
        confidence={k: float(conf.get(k, 0.0)) for k in expected},
        found={k: found.get(k) for k in expected},
        expected=expected,
    )


def run_ours(folder: Path) -> RealWorldRun:
    from recognition.domain.recognize import recognize

    run = RealWorldRun()
    truth = sorted(load_truth(folder).items())
    if truth:  # the first call loads PDFium, the VAT-number modules etc.: not timed
        recognize(uuid.uuid4(), (folder / truth[0][0]).read_bytes(), "application/pdf")
    for name, entry in truth:
        content = (folder / name).read_bytes()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = recognize(uuid.uuid4(), content, "application/pdf")
        elapsed = time.perf_counter() - started
        run.seconds += elapsed
        if entry["group"] != "facturx":
            run.text_seconds += elapsed
            run.text_cpu_seconds += time.process_time() - cpu_started
            run.text_documents += 1
        found = result.invoice.fields.model_dump(mode="json") if result.invoice else {}
        run.documents.append(
            _score(name, entry, found, result.status, result.source, result.field_confidence)
        )
    return run


def run_invoice2data(folder: Path) -> RealWorldRun:
    logging.getLogger("invoice2data").setLevel(logging.CRITICAL)
    from bench_recognition import _invoice2data_fields  # type: ignore[import-not-found]
    from invoice2data import extract_data
    from invoice2data.extract.loader import read_templates
    from invoice2data.input import pdfplumber as pdfplumber_input

    templates = read_templates()
    run = RealWorldRun()
    for name, entry in sorted(load_truth(folder).items()):
        started = time.perf_counter()
        try:
            result = extract_data(
                str(folder / name), templates=templates, input_module=pdfplumber_input
            )
        except Exception:  # a third-party tool: a crash counts as nothing found
            result = {}
        run.seconds += time.perf_counter() - started
        found = _invoice2data_fields(result or {})
        for key in ("issue_date", "due_date"):
            if hasattr(found.get(key), "isoformat"):
                found[key] = found[key].isoformat()[:10]
        run.documents.append(
            _score(name, entry, found, "matched" if result else "no template", "i2d", {})
        )
    return run


# --- report -----------------------------------------------------------------------------------


def _fields_share(documents: list[DocumentScore], fields: Iterable[str] | None = None) -> float:
    wanted = set(fields) if fields is not None else None
    return _share(
        ok
        for document in documents
        for key, ok in document.right.items()
        if wanted is None or key in wanted
    )


def _macro_over_families(documents: list[DocumentScore]) -> float:
    families: dict[str, list[DocumentScore]] = {}
    for document in documents:
        families.setdefault(document.family, []).append(document)
    return _share_values(_fields_share(docs) for docs in families.values())


def _share_values(values: Iterable[float]) -> float:
    kept = [value for value in values if value == value]
    return sum(kept) / len(kept) if kept else float("nan")


def print_report(ours: RealWorldRun, theirs: RealWorldRun | None, *, mistakes: bool) -> None:
    print("\n=== Real invoices: development set (../shared/testdata/realworld-dev) ===")
    columns: list[tuple[str, list[DocumentScore]]] = []
    for group in GROUPS:
        columns.append((group, [d for d in ours.documents if d.group == group]))
    text = [d for d in ours.documents if d.group != "facturx"]
    columns.append(("text (air+i2d)", text))
    if theirs is not None:
        columns.append(("i2d tool text", [d for d in theirs.documents if d.group != "facturx"]))
    header = f"{'field':<22}" + "".join(f"{name:>16}" for name, _ in columns)
    print(header)
    print("-" * len(header))
    for field_name in SCORED_FIELDS:
        cells = []
        for _, docs in columns:
            scored = [d.right[field_name] for d in docs if field_name in d.right]
            cell = f"{_pct(_share(scored))} ({len(scored):>2})" if scored else "-"
            cells.append(f"{cell:>16}")
        print(f"{field_name:<22}" + "".join(cells))
    print("-" * len(header))
    for family_name, fields in FAMILIES_OF_FIELDS.items():
        row = "".join(f"{_pct(_fields_share(docs, fields)):>16}" for _, docs in columns)
        print(f"{'family ' + family_name:<22}" + row)
    print("-" * len(header))
    rows = [
        ("ALL FIELDS", lambda docs: _pct(_fields_share(docs))),
        ("macro over families", lambda docs: _pct(_macro_over_families(docs))),
        ("documents", lambda docs: str(len(docs))),
        ("fully right", lambda docs: str(sum(d.fully_right for d in docs))),
        ("status ok", lambda docs: str(sum(d.status == "ok" for d in docs))),
        (
            "ok but wrong",
            lambda docs: str(sum(d.status == "ok" and not d.fully_right for d in docs)),
        ),
        (
            "read via XML",
            lambda docs: str(sum(d.source in ("facturx", "ubl") for d in docs)),
        ),
    ]
    for label, render in rows:
        print(f"{label:<22}" + "".join(f"{render(docs):>16}" for _, docs in columns))
    if ours.text_seconds:
        print(
            f"speed: {ours.text_documents / ours.text_seconds:.1f} text documents/second "
            f"in-process ({ours.text_documents} documents, {ours.text_seconds:.2f} s); "
            f"CPU time: {ours.text_documents / max(ours.text_cpu_seconds, 1e-9):.1f} "
            f"documents/second ({ours.text_cpu_seconds:.2f} s)"
        )

    print("\nper layout family (text path: air + invoice2data groups; facturx group apart)")
    families: dict[tuple[str, str], list[DocumentScore]] = {}
    for document in ours.documents:
        kind = "xml" if document.group == "facturx" else "text"
        families.setdefault((kind, document.family), []).append(document)
    for (kind, family_name), docs in sorted(families.items()):
        print(
            f"  {kind:<5}{family_name:<32}{_pct(_fields_share(docs)):>8}  "
            f"{sum(d.fully_right for d in docs)}/{len(docs)} fully right"
        )

    print("\nreliability (our reported field confidence -> share of those fields right)")
    print(f"  {'bucket':<14}{'text fields':>14}{'right':>9}{'xml fields':>14}{'right':>9}")
    for low, high in BUCKETS:
        cells = []
        for wanted in ("text", "xml"):
            values = [
                ok
                for d in ours.documents
                if (d.group == "facturx") == (wanted == "xml")
                for key, ok in d.right.items()
                if low <= d.confidence[key] < high
            ]
            cells.append(f"{len(values):>14}{_pct(_share(values)):>9}")
        label = f"[{low:.2f},{min(high, 1.0):.2f}{']' if high > 1 else ')'}"
        print(f"  {label:<14}" + "".join(cells))
    if theirs is not None:
        print(
            "invoice2data: extract_data with its bundled templates on the same PDFs, through its "
            "pdfplumber input module; a document without a matching template scores nothing."
        )
    if mistakes:
        print("\nour mistakes on the development set:")
        for document in ours.documents:
            for key, ok in document.right.items():
                if not ok:
                    print(
                        f"  {document.name} [{document.status}/{document.source}] {key}: "
                        f"expected {document.expected[key]!r} got {document.found[key]!r} "
                        f"(conf {document.confidence[key]:.2f})"
                    )
