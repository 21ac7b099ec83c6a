"""What more processes cost this machine, whatever they run (issue 13, the consume processes).

The pipeline benchmark runs one or two `consume` processes per service: 6 or 12 busy Python
processes on the same cores, doing the same work. This probe does the same with no Ledgerline
code: a fixed amount of work (units of random reads over a Python heap of `--heap` objects, a
JSON parse and a 0.3 ms sleep, like a consumer waiting for a round trip) split over each count
of `--processes`, the counts alternated for `--rounds`. It prints the CPU seconds the work took
in all workers together (start-up excluded), per count and round, and each count against the
first: where the second costs more, the same code costs more on more processes on this
machine, whatever Ledgerline does (the probe does not say why: caches shared by more working
sets, more switching between processes, the hypervisor).

    uv run python bench/process_count.py --processes 6,12 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time

_DOCUMENT = json.dumps({"lines": [{"n": i, "text": "v" * 20} for i in range(50)]})


def work(units: int, heap_size: int) -> float:
    """CPU seconds `units` took over a heap of `heap_size` objects (built before timing)."""
    heap = [{f"k{i}": [i, str(i)]} for i in range(heap_size)]
    began = time.process_time()
    for _ in range(units):
        total = 0
        for _ in range(300):
            for value in heap[random.randrange(heap_size)].values():
                total += value[0]
        json.loads(_DOCUMENT)
        time.sleep(0.0003)
    return time.process_time() - began


def run_count(processes: int, units: int, heap_size: int) -> float:
    """CPU seconds of `units` split over `processes` workers running at once."""
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(units // processes), str(heap_size)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    return sum(float(worker.communicate()[0]) for worker in workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="6,12", help="counts to compare (default 6,12)")
    parser.add_argument("--units", type=int, default=48_000, help="work units per run")
    parser.add_argument("--heap", type=int, default=200_000, help="objects per worker's heap")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(work(*args.worker))
        return
    counts = [int(n) for n in args.processes.split(",")]
    seconds: dict[int, list[float]] = {count: [] for count in counts}
    for round_number in range(1, args.rounds + 1):
        for count in counts:
            took = run_count(count, args.units, args.heap)
            seconds[count].append(took)
            print(f"round {round_number}: {count} processes, {took:.1f} CPU s", flush=True)
    first = statistics.median(seconds[counts[0]])
    for count in counts:
        median = statistics.median(seconds[count])
        print(
            f"{count} processes: median {median:.1f} CPU s for {args.units} units "
            f"({100 * median / first:.0f} % of {counts[0]})"
        )


if __name__ == "__main__":
    main()
