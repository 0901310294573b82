"""Benchmark: the compiled yes/no validators (``spec._validate``): what compiling them costs,
and a verdict on a real answer.

Usage: python benchmarks/bench_validate.py [--rounds N] [--against TREE]

Two figures, each the median over rounds, in a fresh process per tree:
- compile: every one of the spec's schemas compiled to its test (``Schemas.test``), from a
  loaded spec with nothing compiled yet;
- verdict: the mock's success answer (token tier) to every GET operation that takes no path
  parameter, parsed, checked against its response schema; the time per body.

``--against TREE`` measures another checkout of this repository (for example the commit
before a change, from ``git worktree add``) the same way, in a subprocess with that tree first
on ``sys.path``, alternating with this tree, and prints both with their ratio.
"""

from __future__ import annotations

import sys

import _tree

CODE = """
import json, statistics, sys, time
import httpx
import spec
from mockserver import BeatPassMock
rounds = int(sys.argv[1])
api = spec.load()
schemas = api.schemas
start = time.perf_counter()
for name in schemas:
    schemas.test(name)
compile_s = time.perf_counter() - start
mock = BeatPassMock(seed=1, rate_limits=False)
client = httpx.Client(
    base_url=str(mock.base_url), transport=mock.transport, headers=mock.auth_headers()
)
bodies = []
for op in api.operations.values():
    if op.read_only and not op.path_params:
        response = client.get(op.path)
        name = f"operations/{op.id}/response.{response.status_code}.token"
        if name in schemas.documents and response.status_code == op.success_status:
            bodies.append((schemas.test(name), response.json()))
verdicts = []
for _ in range(rounds):
    start = time.perf_counter()
    for _ in range(10):
        for test, body in bodies:
            assert test(body)
    verdicts.append((time.perf_counter() - start) / 10 / len(bodies))
print(json.dumps({
    "compile": compile_s, "verdict": statistics.median(verdicts), "bodies": len(bodies),
    "schemas": len(schemas),
}))
"""


def main() -> int:
    args = _tree.options(__doc__)
    trees = _tree.trees(args.against)
    results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
    # Three processes per tree, alternating, so that a busy machine weighs on both alike;
    # each figure is the median of a tree's three.
    for _ in range(3):
        for label, tree in trees:
            results[label].append(_tree.measure(tree, CODE, str(args.rounds)))
    medians = {
        label: {k: sorted(r[k] for r in runs)[1] for k in ("compile", "verdict")}
        for label, runs in results.items()
    }
    for label, figures in medians.items():
        first = results[label][0]
        print(
            f"{label:<10} compile {int(first['schemas'])} schemas {figures['compile'] * 1000:6.0f}"
            f" ms   verdict {figures['verdict'] * 1e6:6.1f} us per body ({int(first['bodies'])}"
            " bodies)"
        )
    if args.against:
        now, before = medians["this tree"], medians["against"]
        print(
            f"ratio      compile {now['compile'] / before['compile']:.2f}x   "
            f"verdict {now['verdict'] / before['verdict']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
