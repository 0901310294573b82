"""Benchmark: load the spec and compile every schema, cold, in a fresh process.

Usage: python benchmarks/bench_spec.py [--runs N]

Each run starts a new interpreter, so nothing is cached; the time measured inside it covers
importing the package, reading and checking every YAML file, and compiling every schema.
Target (issue 2): under 0.5 s on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

PROBE = """
import json, time
t0 = time.perf_counter()
import spec
api = spec.load()
n = len(api.schemas)
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "operations": len(api.operations), "schemas": n}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
        ).stdout
        results.append(json.loads(out))
    times = sorted(r["seconds"] for r in results)
    last = results[-1]
    print(
        f"spec load + compile, cold, fresh process ({args.runs} runs): "
        f"median {statistics.median(times) * 1000:.0f} ms, min {times[0] * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms; {last['operations']} operations, {last['schemas']} schemas"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
