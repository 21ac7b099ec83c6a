"""Benchmark: GL account and VAT code suggestions against the template-only baseline, on a
generated dossier history replayed in time order.

    uv run python services/worklist/bench/bench_suggestions.py [--seed 2026] [--warmup 0.2]

The history (history_generator.py: >= 2,000 posted bookings over 60 suppliers, three years,
seeded) is replayed booking by booking in date order. The first `--warmup` share is only
learnt; every later booking is first predicted from everything before it, then learnt.

- learnt model: each line of the invoice (its description, amount excl. VAT and VAT rate, as a
  UBL invoice gives them) gets the GL account and VAT code of its nearest neighbours in the
  dossier's history. A line is right when both codes are; a booking when all its lines are.
- template-only baseline (seed 003): once a supplier has three bookings, its most used
  template fills the lines to the invoice's total. A booking is right when the template's
  (GL account, VAT code) lines equal the booking's, as a multiset; per line, the booking's
  lines that the template has (multiset intersection) count as right, which is kinder to the
  baseline than the per-line alignment the model is held to.
A booking nothing is proposed for counts as wrong for both. Also printed: the share of
bookings each proposed something for, and the calibration of the model's line confidence
(observed share right per confidence band).
"""

import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from history_generator import generate
from worklist.domain.suggestions import DossierHistory, PastBooking
from worklist.domain.suggestions.model import query_of, suggestion_is_right


class Score:
    def __init__(self) -> None:
        self.bookings = self.bookings_right = self.proposed = 0
        self.lines = self.lines_right = 0

    def add(self, lines: int, lines_right: int, proposed: bool, exact: bool) -> None:
        self.bookings += 1
        self.lines += lines
        self.lines_right += lines_right
        self.proposed += int(proposed)
        self.bookings_right += int(proposed and exact)

    def row(self, name: str) -> str:
        return (
            f"| {name} | {pct(self.bookings_right, self.bookings)} | "
            f"{pct(self.lines_right, self.lines)} | {pct(self.proposed, self.bookings)} |"
        )


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def score_template(history: DossierHistory, booking: PastBooking, score: Score) -> None:
    templates = history.templates(booking.counterparty_number)
    if not templates:
        score.add(len(booking.lines), 0, proposed=False, exact=False)
        return
    proposed = Counter((line.gl_account, line.vat_code) for line in templates[0].lines)
    actual = Counter(line.codes for line in booking.lines)
    # A template with a line too many is not exact, though it has every line of the booking.
    score.add(
        len(booking.lines),
        sum((proposed & actual).values()),
        proposed=True,
        exact=proposed == actual,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--warmup", type=float, default=0.2, help="share of bookings only learnt")
    parser.add_argument(
        "--without-rates",
        action="store_true",
        help="the model does not see the lines' VAT rates (as for an invoice read without them)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    bookings = generate(args.seed)
    if args.without_rates:
        bookings = [
            replace(booking, lines=tuple(replace(line, vat_rate=None) for line in booking.lines))
            for booking in bookings
        ]
    suppliers = {booking.counterparty_number for booking in bookings}
    line_count = sum(len(booking.lines) for booking in bookings)
    assert len(bookings) >= 2000 and len(suppliers) >= 50, "the history is too small"
    split = int(len(bookings) * args.warmup)
    generated = time.perf_counter() - started
    print(
        f"history: seed {args.seed}, {len(bookings)} bookings, {line_count} lines, "
        f"{len(suppliers)} suppliers, {bookings[0].booked_on} to {bookings[-1].booked_on}; "
        f"the model {'does not see' if args.without_rates else 'sees'} the lines' VAT rates"
    )
    print(
        f"split: the first {split} bookings (to {bookings[split - 1].booked_on}) only learnt; "
        f"the next {len(bookings) - split} (from {bookings[split].booked_on}) predicted from "
        "all bookings before each, then learnt"
    )

    history = DossierHistory()
    model, template = Score(), Score()
    bands: dict[int, list[int]] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    for index, booking in enumerate(bookings):
        suggestions = history.model.suggest_lines(
            booking.counterparty_number, [query_of(line) for line in booking.lines]
        )
        if index >= split:
            rights = [
                suggestion is not None and suggestion_is_right(suggestion, line)
                for suggestion, line in zip(suggestions, booking.lines, strict=True)
            ]
            model.add(
                len(rights),
                sum(rights),
                proposed=all(suggestion is not None for suggestion in suggestions),
                exact=all(rights),
            )
            score_template(history, booking, template)
            for suggestion, right in zip(suggestions, rights, strict=True):
                if suggestion is not None:
                    band = bands.setdefault(min(9, int(suggestion.confidence * 10)), [0, 0])
                    band[0] += 1
                    band[1] += int(right)
        history.learn(booking, suggestions)
    replayed, replayed_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    print()
    print("| method | bookings all right (GL and VAT) | lines right | bookings proposed for |")
    print("|---|---|---|---|")
    print(model.row("learnt model (TF-IDF nearest neighbours)"))
    print(template.row("template only (3 bookings)"))
    print()
    print("model line confidence -> observed share right:")
    for band in sorted(bands):
        seen, right = bands[band]
        print(f"  {band * 10:3d}-{band * 10 + 10:3d} %: {seen:5d} lines, {pct(right, seen)} right")
    print()
    print(
        f"time: generate {generated:.2f} s, replay {replayed:.2f} s wall, {replayed_cpu:.2f} s CPU "
        f"({1000 * replayed_cpu / len(bookings):.2f} ms CPU per booking: predict, template, "
        "learn; wall time grows with the machine's load)"
    )


if __name__ == "__main__":
    main()
