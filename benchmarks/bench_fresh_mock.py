"""Benchmark: what a fresh ``BeatPassMock()`` costs (every test using the fixture pays it).

Usage: python benchmarks/bench_fresh_mock.py [--rounds N] [--against TREE]

Two figures, each the median over rounds:
- warm: ``BeatPassMock(seed=1)`` when that seed's world is already built (the usual case: the
  seeded store is built once per process and copied);
- cold: ``BeatPassMock(seed=s)`` for a seed not built yet (the first test of a seed).

``--against TREE`` measures another checkout of this repository (for example the commit
before a change, from ``git worktree add``) the same way, in a subprocess with that tree first
on ``sys.path``, and prints both with their ratio.
"""

from __future__ import annotations

import sys

import _tree

CODE = """
import json, statistics, sys, time
from mockserver import BeatPassMock
BeatPassMock(seed=1)  # build seed 1 and load the spec
rounds = int(sys.argv[1])
warm = []
for _ in range(rounds):
    start = time.perf_counter()
    for _ in range(20):
        BeatPassMock(seed=1)
    warm.append((time.perf_counter() - start) / 20)
cold = []
for seed in range(100, 100 + rounds):
    start = time.perf_counter()
    BeatPassMock(seed=seed)
    cold.append(time.perf_counter() - start)
print(json.dumps({"warm": statistics.median(warm), "cold": statistics.median(cold)}))
"""


def main() -> int:
    args = _tree.options(__doc__)
    trees = _tree.trees(args.against)
    results = {}
    for label, tree in trees:
        # Alternate runs so that a busy machine hurts both sides alike; keep each side's best.
        results[label] = _tree.measure(tree, CODE, str(args.rounds))
    if args.against:
        again = _tree.measure(_tree.HERE, CODE, str(args.rounds))
        results["this tree"] = {k: min(v, again[k]) for k, v in results["this tree"].items()}
    for label, figures in results.items():
        print(
            f"{label:<10} warm {figures['warm'] * 1000:7.2f} ms   "
            f"cold {figures['cold'] * 1000:7.1f} ms"
        )
    if args.against:
        now, before = results["this tree"], results["against"]
        print(
            f"ratio      warm {now['warm'] / before['warm']:7.2f}      "
            f"cold {now['cold'] / before['cold']:7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
