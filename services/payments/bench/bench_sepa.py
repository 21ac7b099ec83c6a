"""Benchmark: SEPA credit transfer files, ours against python-sepaxml, whole process and build.

    uv run python services/payments/bench/bench_sepa.py [--count 100000] [--format pain.001.001.09]
        [--repeat 3] [--mode both|whole|build]

Whole process ("whole", as a user runs it): one JSON batch file is written once, then each side
runs as a fresh process on that same file and the wall clock of the whole command is taken,
interpreter start and imports included:
- ours: `python -m payments sepa-credit-transfer in.json --output out.xml` (the `payments`
  command): read and validate the batch (every IBAN, BIC, amount, date, reference), write the
  file, validate it against the XSD, hash it, write it and print the JSON summary (captured);
- python-sepaxml: `python sepaxml_file.py in.json out.xml` (beside this file): read the same
  JSON, convert it to sepaxml's input, build with its defaults and write the file
  (`export(validate=False)`: its own validation, with xmlschema, would only make it slower).
The two alternate for `--repeat` rounds; best and median are shown, with the load average of
the machine before and after, since other work on the machine slows single runs. Wall clock and
CPU time (user + system, child processes included) are both shown: on a shared machine the CPU
time is the steadier of the two. Each side runs once untimed first, with Python allowed to
write its bytecode caches (PYTHONDONTWRITEBYTECODE removed from the environment), so that
neither side pays for compiling its modules, as on a user's second run.

Both libraries get the same N credit transfers in one batch (same debtor, creditor names of which
three in four need character conversion, distinct BE IBANs, BIC, amounts, three execution dates,
unstructured remittance text and end-to-end ids). Each measurement runs in a fresh subprocess,
so that the peak memory of one does not hide in the other's; the two libraries alternate for
`--repeat` rounds (default 3) and the best and median times are shown, since other work on the
machine slows single runs.

Build only ("build"):
- ours: `build_credit_transfer` on an already validated `CreditTransferBatch`; that call writes
  the XML, validates the bytes against the XSD and computes the SHA-256. Turning the JSON-like
  input into `CreditTransferBatch` (IBAN/BIC checks, amounts, references) is timed
  separately and shown on its own line: python-sepaxml checks nothing comparable.
- python-sepaxml: `SepaTransfer(...)`, `add_payment` for every payment and `export(validate=False)`
  (its defaults otherwise, so text cleaning with unidecode is on).

Memory: peak resident set size of each worker process from `resource.getrusage(RUSAGE_SELF)
.ru_maxrss` (whole process: interpreter, input data and work), for ours plus the peak of the
child process that validates large files (its VmHWM, read once the file is written), and the
growth of the peak over the resident size just before the timed part ("build peak"), measured
by resetting the peak with `/proc/self/clear_refs` (Linux) and reading VmHWM afterwards.
tracemalloc is not used: it does not see libxml2's memory. CPU time includes child processes.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TODAY = date(2026, 1, 5)
_NAMES = ("Bakkerij Peeters", "Garage Dubois & Zonen", "Café De Kroon", "Müller Logistik GmbH")


def _be_iban(account: int) -> str:
    """A valid Belgian IBAN (bank code 096) for account number `account`."""
    national = f"096{account:07d}"
    bban = f"{national}{(int(national) % 97) or 97:02d}"
    check = 98 - int(f"{bban}111400") % 97  # "BE00" with B=11, E=14
    return f"BE{check:02d}{bban}"


def generate_input(count: int) -> dict[str, Any]:
    """JSON-like input of `count` transfers to distinct creditors."""
    payments = []
    for index in range(count):
        payments.append(
            {
                "end_to_end_id": f"INV-2026-{index:07d}",
                "creditor": {
                    "name": f"{_NAMES[index % len(_NAMES)]} {index}",
                    "iban": _be_iban(index + 1),
                    "bic": "GKCCBEBB",
                },
                "amount": f"{(index % 50000) + 1}.{index % 100:02d}",
                "currency": "EUR",
                "execution_date": (TODAY + timedelta(days=1 + index % 3)).isoformat(),
                "remittance": {"type": "unstructured", "value": f"Invoice 2026/{index:07d}"},
            }
        )
    return {
        "debtor": {
            "name": "Fiduciaire Janssens BV",
            "iban": "BE71096123456769",
            "bic": "GKCCBEBB",
            "address": {
                "street": "Kerkstraat",
                "building_number": "1",
                "postal_code": "2000",
                "town": "Antwerpen",
                "country": "BE",
            },
        },
        "batch_booking": True,
        "payments": payments,
    }


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status_kib(field: str, path: str = "/proc/self/status") -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(run: Any) -> dict[str, Any]:
    gc.collect()
    rss_before = _status_kib("VmRSS")
    can_reset = _reset_peak()
    started, cpu_started = time.perf_counter(), time.process_time() + _children_cpu()
    size = run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() + _children_cpu() - cpu_started
    build_peak = _status_kib("VmHWM") - rss_before if can_reset else None
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "build_peak_kib": build_peak,
        "bytes": size,
    }


def worker_ours(count: int, message_format: str) -> dict[str, Any]:
    from payments.domain import parallel_xsd
    from payments.domain.credit_transfer import CreditTransferBatch, build_credit_transfer

    child_peaks = [0]
    verdict = parallel_xsd.ValidatorProcess.verdict

    def verdict_noting_peak(self: Any) -> Any:
        # Once the whole file is written the child is still validating the queued chunks: its
        # peak (VmHWM) so far is read then, before it exits.
        if self._process is not None:
            with contextlib.suppress(OSError):
                child_peaks.append(_status_kib("VmHWM", f"/proc/{self._process.pid}/status"))
        return verdict(self)

    parallel_xsd.ValidatorProcess.verdict = verdict_noting_peak  # type: ignore[method-assign]

    data = generate_input(count)
    started = time.perf_counter()
    batch = CreditTransferBatch.from_data(data)
    validation_seconds = time.perf_counter() - started
    del data  # as the sepaxml worker drops the input once converted to its own form
    result: dict[str, Any] = {}

    def run() -> int:
        built = build_credit_transfer(batch, today=TODAY, format=message_format)  # type: ignore[arg-type]
        result["sha256"] = built.sha256
        result["transactions"] = built.number_of_transactions
        return len(built.content)

    timing = _timed(run)
    timing.update(result, input_validation_seconds=validation_seconds)
    timing["child_peak_kib"] = max(child_peaks)
    return timing


def worker_sepaxml(count: int, message_format: str) -> dict[str, Any]:
    from sepaxml import SepaTransfer

    data = generate_input(count)
    debtor = data["debtor"]
    # sepaxml wants cents as int and dates as date objects: converted before timing.
    payments = [
        {
            "name": payment["creditor"]["name"],
            "IBAN": payment["creditor"]["iban"],
            "BIC": payment["creditor"]["bic"],
            "amount": int(Decimal(payment["amount"]) * 100),
            "execution_date": date.fromisoformat(payment["execution_date"]),
            "description": payment["remittance"]["value"],
            "endtoend_id": payment["end_to_end_id"],
        }
        for payment in data["payments"]
    ]
    del data

    def run() -> int:
        config = {
            "name": debtor["name"],
            "IBAN": debtor["iban"],
            "BIC": debtor["bic"],
            "batch": True,
            "currency": "EUR",
        }
        transfer = SepaTransfer(config, schema=message_format)
        for payment in payments:
            transfer.add_payment(payment)
        return len(transfer.export(validate=False))

    return _timed(run)


def _whole_command(name: str, source: Path, output: Path, message_format: str) -> list[str]:
    if name == "ours":
        return [
            sys.executable,
            "-m",
            "payments",
            "sepa-credit-transfer",
            str(source),
            "--output",
            str(output),
            "--format",
            message_format,
            "--today",
            TODAY.isoformat(),
        ]
    script = Path(__file__).with_name("sepaxml_file.py")
    return [sys.executable, str(script), str(source), str(output), "--format", message_format]


def _whole_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run_whole(name: str, source: Path, output: Path, message_format: str) -> dict[str, Any]:
    """Wall clock and CPU time (with child processes) of one whole command, in a fresh process."""
    command = _whole_command(name, source, output, message_format)
    environment = _whole_environment()
    cpu_started = _children_cpu()
    started = time.perf_counter()
    completed = subprocess.run(command, check=True, capture_output=True, env=environment)
    seconds = time.perf_counter() - started
    cpu_seconds = _children_cpu() - cpu_started
    if name == "ours":  # the summary a user reads: proof that the run went through
        summary = json.loads(completed.stdout)
        assert summary["number_of_transactions"] > 0, summary
    size = output.stat().st_size
    output.unlink()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "bytes": size}


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def whole_process(count: int, message_format: str, repeat: int) -> None:
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "sepaxml": []}
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="bench-sepa-") as folder:
        source = Path(folder) / "batch.json"
        source.write_text(json.dumps(generate_input(count)), encoding="utf-8")
        for name in ("ours", "sepaxml"):  # untimed: bytecode caches written, files cached
            _run_whole(name, source, Path(folder) / f"{name}.xml", message_format)
        for round_number in range(repeat):
            order = ("ours", "sepaxml") if round_number % 2 == 0 else ("sepaxml", "ours")
            for name in order:
                output = Path(folder) / f"{name}.xml"
                runs[name].append(_run_whole(name, source, output, message_format))
        input_size = source.stat().st_size
    load_after = _load()

    def row(label: str, measured: list[dict[str, Any]]) -> str:
        seconds = [run["seconds"] for run in measured]
        cpu = [run["cpu_seconds"] for run in measured]
        return (
            f"{label:46} {min(seconds):6.2f} {statistics.median(seconds):6.2f} "
            f"{min(cpu):6.2f} {statistics.median(cpu):6.2f} {measured[0]['bytes'] / 1e6:6.1f} MB"
        )

    def ratio(key: str, pick: Any) -> float:
        return float(pick([r[key] for r in runs["ours"]]) / pick([r[key] for r in runs["sepaxml"]]))

    print(
        f"whole process: {count} transfers from one {input_size / 1e6:.1f} MB JSON file, "
        f"{message_format}, {repeat} rounds, fresh processes"
    )
    print(f"{'':46} {'wall s':>6} {'median':>6} {'cpu s':>6} {'median':>6} {'file':>9}")
    print(row("ledgerline: payments sepa-credit-transfer", runs["ours"]))
    print(row("python-sepaxml: JSON to file (no validation)", runs["sepaxml"]))
    print(
        "whole-process time ratio ledgerline / sepaxml, wall clock: "
        f"best {ratio('seconds', min):.2f}, median {ratio('seconds', statistics.median):.2f}"
    )
    print(
        "whole-process CPU time (user + system) ratio, ours with its validating child: "
        f"best {ratio('cpu_seconds', min):.2f}, median {ratio('cpu_seconds', statistics.median):.2f}"
    )
    print(f"machine load average: before {load_before}; after {load_after}")


def _run_worker(name: str, count: int, message_format: str) -> dict[str, Any]:
    completed = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            name,
            "--count",
            str(count),
            "--format",
            message_format,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout)


def _mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="transfers in the batch")
    parser.add_argument(
        "--format", default="pain.001.001.09", choices=("pain.001.001.09", "pain.001.001.03")
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds (fresh processes each)")
    parser.add_argument(
        "--mode",
        choices=("both", "whole", "build"),
        default="both",
        help="whole process as a user runs it, build only, or both (default)",
    )
    parser.add_argument("--worker", choices=("ours", "sepaxml"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        work = worker_ours if args.worker == "ours" else worker_sepaxml
        measured = work(args.count, args.format)
        # Ours validates large files in a child process: its peak is added. (RUSAGE_CHILDREN's
        # ru_maxrss cannot be used: Linux counts the copy of this process the child was forked
        # from before it became a fresh interpreter.)
        measured["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + measured.get(
            "child_peak_kib", 0
        )
        print(json.dumps(measured))
        return 0

    if args.mode in ("both", "whole"):
        whole_process(args.count, args.format, args.repeat)
        if args.mode == "whole":
            return 0
        print()

    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "sepaxml": []}
    for round_number in range(args.repeat):
        order = ("ours", "sepaxml") if round_number % 2 == 0 else ("sepaxml", "ours")
        for name in order:
            runs[name].append(_run_worker(name, args.count, args.format))

    def row(label: str, measured: list[dict[str, Any]]) -> str:
        seconds = [run["seconds"] for run in measured]
        cpu = [run["cpu_seconds"] for run in measured]
        peak = max(run["maxrss_kib"] for run in measured)
        build_peaks = [run["build_peak_kib"] for run in measured]
        build_peak = None if None in build_peaks else max(build_peaks)
        return (
            f"{label:46} {min(seconds):6.2f} {statistics.median(seconds):6.2f} "
            f"{min(cpu):6.2f} {measured[0]['bytes'] / 1e6:6.1f} MB {_mib(peak):>12} "
            f"{_mib(build_peak):>10}"
        )

    def ratios(key: str) -> str:
        best = min(r[key] for r in runs["ours"]) / min(r[key] for r in runs["sepaxml"])
        median = statistics.median(r[key] for r in runs["ours"]) / statistics.median(
            r[key] for r in runs["sepaxml"]
        )
        return f"best {best:.2f}, median {median:.2f}"

    ours = runs["ours"]
    print(f"build only: {args.count} transfers, {args.format}, one batch, {args.repeat} rounds")
    print(
        f"{'':46} {'wall s':>6} {'median':>6} {'cpu s':>6} {'file':>9} {'process peak':>12} "
        f"{'build peak':>10}"
    )
    print(row("ledgerline: build + XSD validation + SHA-256", ours))
    print(row("python-sepaxml: build (no validation)", runs["sepaxml"]))
    print(f"time ratio ledgerline / sepaxml, wall clock: {ratios('seconds')}")
    print(f"time ratio ledgerline / sepaxml, process CPU time: {ratios('cpu_seconds')}")
    validation = statistics.median(run["input_validation_seconds"] for run in ours)
    print(
        "not in the ratio: ledgerline input validation (JSON-like data to CreditTransferBatch, "
        f"checks of {args.count} distinct IBANs, amounts, names, references): median "
        f"{validation:.2f} s (the whole-process comparison above includes it)"
    )
    print(
        "memory: process peak = ru_maxrss of the worker process, plus for ledgerline the peak "
        "(VmHWM) of the child process validating the file; build peak = growth of the worker's "
        "resident set during the timed part (VmHWM after /proc/self/clear_refs); cpu s includes "
        "child processes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
