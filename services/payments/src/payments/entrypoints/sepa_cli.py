"""Command-line tools: `sepa-credit-transfer` (pain.001 file) and `epc-qr` (GiroCode image).

Exit codes: 0 done; 2 the input cannot be used (one sentence per problem on stderr, nothing
written); 1 the produced file failed XSD validation (a defect, reported the same way).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

# The domain modules are imported by the command that needs them: `payments epc-qr` has no use
# for the credit transfer models, nor `sepa-credit-transfer` for the QR code library.
from payments.domain.xsd import DEFAULT_FORMAT, SUPPORTED_FORMATS

if TYPE_CHECKING:
    from payments.domain.parallel_xsd import ValidatorProcess
    from payments.domain.transfer_file import CreditTransferFile

COMMANDS: Final = ("sepa-credit-transfer", "epc-qr")
EXIT_OK = 0
EXIT_DEFECT = 1
EXIT_INVALID_INPUT = 2

_CREDIT_TRANSFER_EXAMPLE = """\
example:
  payments sepa-credit-transfer batch.json --output batch.xml --format pain.001.001.09

batch.json:
  {"debtor": {"name": "Fiduciaire Janssens BV", "iban": "BE71096123456769",
              "bic": "GKCCBEBB",
              "address": {"street": "Kerkstraat", "building_number": "1",
                          "postal_code": "2000", "town": "Antwerpen", "country": "BE"}},
   "batch_booking": true,
   "payments": [{"creditor": {"name": "Bakkerij Peeters", "iban": "BE68539007547034"},
                 "amount": "125.50", "currency": "EUR", "execution_date": "2026-01-15",
                 "remittance": {"type": "structured", "value": "+++010/8068/17183+++"}}]}

Amounts are strings with at most two decimals (JSON numbers are refused), EUR only. An
execution date of today or earlier is executed today. Remittance types: none, unstructured
(max 140 characters) or structured (Belgian +++123/4567/89012+++ or an RF reference).
Names and texts are converted to the SEPA character set; the JSON summary printed on stdout
counts the changes per field and per character ("conversion_counts") and shows the first few
of each field ("conversions"); --conversions full lists every one. The file is written only
after it has passed XSD validation; exit code 2 means the input has problems (listed on stderr).
"""

_EPC_QR_EXAMPLE = """\
example:
  payments epc-qr --name "Example Company NV" --iban BE71096123456769 --amount 125.50 \\
      --reference RF18539007547034 --output invoice-qr.png

Writes a PNG or SVG (by the output's extension) and prints the EPC069-12 payload (version
002, UTF-8, error correction M). --reference takes an RF reference or a Belgian structured
communication; --text takes free text (max 140); give one of the two at most.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `sepa-credit-transfer` and `epc-qr` subcommands."""
    transfer = subparsers.add_parser(
        "sepa-credit-transfer",
        help="make a SEPA credit transfer file (pain.001) from a JSON batch",
        description="Validate a JSON batch of credit transfers and write a pain.001 file that "
        "passed XSD validation; print a JSON summary (totals, PmtInf blocks, SHA-256, text "
        "conversions counted, with examples).",
        epilog=_CREDIT_TRANSFER_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    transfer.add_argument("input", metavar="INPUT.json", type=Path, help="the batch, as JSON")
    transfer.add_argument(
        "--output", "-o", required=True, type=Path, metavar="FILE.xml", help="file to write"
    )
    transfer.add_argument(
        "--format",
        choices=SUPPORTED_FORMATS,
        default=DEFAULT_FORMAT,
        help=f"pain.001 version (default {DEFAULT_FORMAT})",
    )
    transfer.add_argument(
        "--today",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the day the file is made (default: the system date); earlier execution dates "
        "become this day",
    )
    transfer.add_argument(
        "--conversions",
        choices=("examples", "full"),
        default="examples",
        help="in the summary, list the first few text conversions of each field (default) or "
        "every one",
    )
    transfer.set_defaults(func=run_credit_transfer)

    qr = subparsers.add_parser(
        "epc-qr",
        help="make an EPC QR code (GiroCode) for a credit transfer",
        description="Make an EPC069-12 QR code that banking apps read to prefill a SEPA "
        "credit transfer.",
        epilog=_EPC_QR_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    qr.add_argument("--name", required=True, help="beneficiary name (max 70 characters)")
    qr.add_argument("--iban", required=True, help="beneficiary IBAN")
    qr.add_argument("--bic", help="beneficiary BIC (optional)")
    qr.add_argument(
        "--amount", required=True, help="amount in EUR, e.g. 125.50 (0.01 to 999999999.99)"
    )
    remittance = qr.add_mutually_exclusive_group()
    remittance.add_argument(
        "--reference", help="RF creditor reference or Belgian +++123/4567/89012+++"
    )
    remittance.add_argument("--text", help="free remittance text (max 140 characters)")
    qr.add_argument("--info", help="note shown to the payer (max 70 characters)")
    qr.add_argument(
        "--output",
        "-o",
        required=True,
        type=Path,
        metavar="FILE.png|FILE.svg",
        help="image to write; the extension chooses PNG or SVG",
    )
    qr.set_defaults(func=run_epc_qr)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _fail(problems: list[str], exit_code: int = EXIT_INVALID_INPUT) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    return exit_code


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a new file beside `path`, then rename it over `path`.

    Readers (and an upload watching the folder) see either no file or the whole file.
    """
    os.replace(write_temporary(path, data), path)


def write_temporary(path: Path, data: bytes) -> Path:
    """Write `data` to a new hidden file beside `path`, flushed to disk; its path.

    The file is created with mode 0o666 so the umask applies as for any new file; renaming it
    over `path` (`os.replace`) then gives readers the whole file at once.
    """
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def run_credit_transfer(args: argparse.Namespace) -> int:
    from payments.domain.batch_fields import InvalidBatch
    from payments.domain.gc_pause import gc_paused
    from payments.domain.transfer_file import early_validator, new_message_id
    from payments.domain.xsd import XsdValidationError

    input_path: Path = args.input
    output_path: Path = args.output
    try:
        data = input_path.read_bytes()
    except OSError as error:
        return _fail([f"cannot read {input_path}: {error.strerror or error}."])
    # A large file is validated in a child process: that child gets ready on the other core
    # while the input is checked here.
    validator = early_validator(args.format, len(data))
    today = args.today if args.today is not None else date.today()
    created_at = datetime.now().astimezone().replace(microsecond=0)
    written: list[Path] = []  # the temporary file, written while the file is validated

    def write_meanwhile(content: bytes) -> None:
        written.append(write_temporary(output_path, content))

    try:
        with gc_paused():
            built = _build_file(
                data, args.format, today, new_message_id(), created_at, validator, write_meanwhile
            )
        os.replace(written.pop(), output_path)  # valid: the written file becomes the output
    except InvalidBatch as error:
        return _fail(error.problems)
    except XsdValidationError as error:
        return _fail([f"internal error, no file written: {error}", *error.errors[1:]], EXIT_DEFECT)
    except OSError as error:
        return _fail([f"cannot write {output_path}: {error.strerror or error}."])
    finally:
        if validator is not None:
            validator.close()  # ended already when the file was built; here if it was refused
        for temporary in written:  # not renamed: refused by the validation
            temporary.unlink(missing_ok=True)
    summary: dict[str, Any] = {
        "output": str(output_path),
        **built.summary(conversions=args.conversions),
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return EXIT_OK


def _build_file(
    data: bytes,
    message_format: str,
    today: date,
    message_id: str,
    created_at: datetime,
    validator: ValidatorProcess | None,
    while_validating: Callable[[bytes], object],
) -> CreditTransferFile:
    """The checked, written and validated file of a JSON batch; raises `InvalidBatch`.

    A well-formed batch takes the quick path (`quick_batch`, without pydantic): its headers are
    checked first, its payments while the file is written (and, for a large file, parsed by
    the validating child). Anything else, or a payment the quick path gives up on while
    writing, is validated by the model, which words every problem. `while_validating` gets the
    bytes while the validating child checks them (see `write_credit_transfer`).
    """
    import orjson

    from payments.domain.quick_batch import QuickPathGaveUp, quick_outline
    from payments.domain.transfer_file import write_credit_transfer

    try:
        decoded: object = orjson.loads(data)
    except orjson.JSONDecodeError:
        quick = None  # the model words what is wrong with it
    else:
        quick = quick_outline(decoded, today=today, format=message_format, message_id=message_id)
        del decoded
    if quick is not None:
        try:
            return write_credit_transfer(
                quick,
                message_id=message_id,
                format=message_format,
                created_at=created_at,
                validator=validator,
                while_validating=while_validating,
            )
        except QuickPathGaveUp:
            validator = None  # ended with the file given up; the model's file gets its own
        del quick
    from payments.domain.credit_transfer import CreditTransferBatch, prepare_batch

    batch = CreditTransferBatch.from_json(data)
    prepared = prepare_batch(batch, today=today, format=message_format, message_id=message_id)
    return write_credit_transfer(
        prepared,
        message_id=message_id,
        format=message_format,
        created_at=created_at,
        validator=validator,
        while_validating=while_validating,
    )


def run_epc_qr(args: argparse.Namespace) -> int:
    from payments.domain.epc_qr import InvalidEpcQr, build_epc_qr

    output_path: Path = args.output
    kind = output_path.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        return _fail([f"--output must end in .png or .svg, not {output_path.name!r}."])
    try:
        code = build_epc_qr(
            name=args.name,
            iban=args.iban,
            amount=args.amount,
            bic=args.bic,
            reference=args.reference,
            text=args.text,
            information=args.info,
        )
    except InvalidEpcQr as error:
        return _fail(error.problems)
    image = code.png() if kind == "png" else code.svg()
    try:
        write_atomically(output_path, image)
    except OSError as error:
        return _fail([f"cannot write {output_path}: {error.strerror or error}."])
    print(code.payload)
    return EXIT_OK
