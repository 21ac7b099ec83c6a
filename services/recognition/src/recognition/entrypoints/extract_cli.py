"""Command-line tool: `extract FILE` reads one document and prints what recognition found.

Exit codes: 0 recognition ran (whatever its status: ok, nok, empty or ocr); 2 the file cannot
be read (missing, a directory, no permission), with one sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

from recognition.adapters.reader_pool import (
    DEFAULT_MEMORY_LIMIT_MIB,
    DEFAULT_TIME_LIMIT_SECONDS,
    ReaderPool,
)
from recognition.domain.content_type import sniff_content_type
from recognition.domain.result_view import result_view

EXIT_OK = 0
EXIT_UNREADABLE = 2

_EXAMPLE = """\
example:
  recognition extract invoice.pdf

prints one JSON object:
  {"status": "ok", "source": "air", "confidence": 0.93, "reason": null,
   "fields": {"document_type": "invoice", "supplier_name": "Bakkerij Peeters BV",
              "supplier_vat": "BE0123456749", "invoice_number": "2026-0042",
              "issue_date": "2026-03-14", "currency": "EUR", "total_incl_vat": "121.00", ...},
   "field_confidence": {"supplier_name": 0.95, ...},
   "lines": [{"description": "Brood", "quantity": "2", "unit_price": "50.00",
              "net_amount": "100.00", "vat_rate": "6", ...}],
   "supplier": {...}, "customer": {...}, "vat_breakdown": [...], "amount_due": "121.00", ...}

The document type is taken from the bytes (PDF, PNG, JPEG, TIFF, UBL or Factur-X XML), not
from the file name. Status: ok (all mandatory fields found), nok (a mandatory field is
missing; "reason" says which), empty (nothing recognised or not a readable document), ocr
(OCR failed; retryable). Amounts are decimal strings, dates YYYY-MM-DD, a field not found is
null. The same shape as GET /dossiers/{dossier}/recognitions/{document} of the service.
Exit code 0 whenever recognition ran, 2 when the file cannot be read.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `extract` subcommand."""
    parser = subparsers.add_parser(
        "extract",
        help="recognise one invoice file (PDF, image, UBL/Factur-X) and print the fields as JSON",
        description="Run recognition on a local file exactly as the service does for a "
        "received document and print the result (status, source, confidence, fields, "
        "per-field confidence, lines) as one JSON object on stdout.",
        epilog=_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="the document to read")
    parser.add_argument(
        "--memory-limit-mib",
        type=int,
        default=DEFAULT_MEMORY_LIMIT_MIB,
        help="memory for reading a PDF or image, in MiB (default %(default)s); a document "
        "that decompresses to more ends with status empty",
    )
    parser.add_argument(
        "--time-limit-seconds",
        type=float,
        default=DEFAULT_TIME_LIMIT_SECONDS,
        help="time for reading a PDF or image (default %(default)s s)",
    )
    parser.set_defaults(func=run_extract)


def _read(path: Path) -> bytes | str:
    """The file's bytes, or one sentence saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return f"{path} does not exist."
    except IsADirectoryError:
        return f"{path} is a directory, not a file."
    except PermissionError:
        return f"{path} cannot be read: permission denied."
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror or exc}."


def run_extract(args: argparse.Namespace) -> int:
    content = _read(args.file)
    if isinstance(content, str):
        print(f"extract: {content}", file=sys.stderr)
        return EXIT_UNREADABLE
    content_type = sniff_content_type(content) or "application/octet-stream"
    # The same bounded worker process as the service: a decompression bomb ends "empty"
    # instead of taking the machine's memory. Forked: this process runs no other threads.
    reader = ReaderPool(
        memory_limit_mib=args.memory_limit_mib,
        time_limit_seconds=args.time_limit_seconds,
        start_method="fork",
    )
    try:
        result = reader.recognize(uuid.uuid4(), content, content_type)
    finally:
        reader.close()
    json.dump(result_view(result).model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK
