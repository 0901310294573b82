"""Benchmark: the garbage collector's share of the offline suite, with the plugin's freeze of
the collected heap and without it (``--beatpass-no-gc-freeze``).

Usage: python benchmarks/bench_gc.py [--runs N]

Each run is ``python -m pytest --pyargs contract_tests.suite -p no:cacheprovider -q`` in a
fresh process, one worker, with a small plugin of this script's that times every collection
through ``gc.callbacks`` from the end of collection on (the freeze's own collection included),
and the process CPU time over the same span. The two settings alternate, N runs each (a shared
machine's speed drifts); one line per run, then each setting's figures.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TIMER = """
import gc, time

import pytest

_spent = [0.0, 0.0, 0]


def _timed(phase, info):
    if phase == "start":
        _spent[1] = time.perf_counter()
    else:
        _spent[0] += time.perf_counter() - _spent[1]
        _spent[2] += 1


@pytest.hookimpl(tryfirst=True)  # before the plugin's freeze: its own collection counts
def pytest_collection_finish(session):
    gc.callbacks.append(_timed)
    _spent.append(time.process_time())


def pytest_unconfigure(config):
    cpu = time.process_time() - _spent[3]
    print(f"\\nBENCH-GC {_spent[0]:.2f} {cpu:.2f} {_spent[2]}")
"""

LINE = re.compile(r"BENCH-GC ([0-9.]+) ([0-9.]+) ([0-9]+)")


def run(plugin_dir: str, freeze: bool) -> tuple[float, float, int]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "contract_tests.suite"]
    command += ["-p", "no:cacheprovider", "-p", "bench_gc_timer", "-q"]
    if not freeze:
        command.append("--beatpass-no-gc-freeze")
    path = os.pathsep.join(filter(None, [plugin_dir, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = LINE.search(done.stdout)
    if done.returncode != 0 or found is None:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        raise SystemExit(f"bench_gc: the suite run failed (exit {done.returncode}): {tail}")
    return float(found[1]), float(found[2]), int(found[3])


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--runs", type=int, default=2, help="runs of each setting")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as plugin_dir:
        Path(plugin_dir, "bench_gc_timer.py").write_text(TIMER)
        results: dict[bool, list[tuple[float, float, int]]] = {False: [], True: []}
        for _ in range(args.runs):
            for freeze in (False, True):
                gc_s, cpu, count = run(plugin_dir, freeze)
                results[freeze].append((gc_s, cpu, count))
                label = "freeze" if freeze else "no freeze"
                print(f"{label}: collector {gc_s:.1f} s of {cpu:.1f} s CPU ({count} collections)")
    for freeze, rows in results.items():
        label = "with the freeze" if freeze else "without it"
        shown = ", ".join(f"{g:.1f} s of {c:.1f} s" for g, c, _ in rows)
        print(f"{label}: collector {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
