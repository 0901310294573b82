"""The ``beatpass-contract`` command line (DESIGN.md section 2).

Each sub-command is a small function taking parsed arguments and returning an exit status;
expected failures (bad spec, unreadable file) print one line to stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import spec
from spec import ContractError

Command = Callable[[argparse.Namespace], int]


def _write_json(data: Any, out: str) -> None:
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    if out == "-":
        sys.stdout.write(text)
        return
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def cmd_schemas(args: argparse.Namespace) -> int:
    api = spec.load(args.spec)
    schemas = api.schemas
    out = Path(args.out)
    for name in schemas:
        _write_json(schemas[name], str(out / f"{name}.json"))
    _write_json(schemas.index(), str(out / "index.json"))
    print(f"wrote {len(schemas)} schemas and index.json to {out}")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from spec._openapi import to_openapi

    document = to_openapi(spec.load(args.spec))
    _write_json(document, args.out)
    if args.out != "-":
        print(f"wrote OpenAPI 3.1 ({len(document['paths'])} paths) to {args.out}")
    return 0


def cmd_drift(args: argparse.Namespace) -> int:
    from spec._drift import drift

    path = Path(args.openapi)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CliError(f"{path} is not a JSON OpenAPI document: {exc}") from None
    if not isinstance(document, dict) or "paths" not in document:
        raise CliError(f"{path} is not an OpenAPI document (no 'paths')")
    diffs = drift(spec.load(args.spec), document)
    if args.json:
        _write_json([d.as_dict() for d in diffs], "-")
    else:
        for d in diffs:
            print(d)
    missing = sum(d.kind == "missing_operation" for d in diffs)
    unexplained = sum(not d.explanation for d in diffs)
    print(
        f"{len(diffs)} differences; {missing} upstream operations missing from the spec; "
        f"{unexplained} without an explanation in the spec",
        file=sys.stderr if args.json else sys.stdout,
    )
    return 1 if diffs else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from mockserver import BeatPassMock, SystemClock

    try:
        from mockserver import serve
    except ImportError as exc:
        raise CliError(str(exc)) from None

    tokens = tuple(args.token) or ("mock-token",)
    api = BeatPassMock(
        seed=args.seed,
        tokens=tokens,
        clock=SystemClock(),
        rate_limits=not args.no_rate_limits,
        spec=spec.load(args.spec),
    )
    return serve(api.served_handler, host=args.host, port=args.port, secrets=tokens)


def cmd_verify(args: argparse.Namespace) -> int:
    """Run the contract suite shipped in the package, in a fresh interpreter, isolated from
    the caller's own pytest configuration."""
    import importlib.util
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="beatpass-verify-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text(
            "[pytest]\naddopts = --strict-markers\nfilterwarnings =\n    error\n", encoding="utf-8"
        )
        coverage = (
            str(Path(args.coverage).resolve())
            if args.coverage
            else str(Path(tmp) / "coverage.json")
        )
        argv = [
            "--pyargs",
            "contract_tests.suite",
            "-c",
            str(ini),
            "--rootdir",
            tmp,
            "-p",
            "contract_tests.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--beatpass-coverage={coverage}",
            f"--beatpass-profile={args.profile or ('live' if args.live else 'ci')}",
        ]
        if args.live:
            if not os.environ.get("BEATPASS_TOKEN", "").strip():
                raise CliError("--live needs BEATPASS_TOKEN in the environment; nothing was sent")
            argv += [
                "--beatpass-live",
                f"--beatpass-max-requests={args.max_requests}",
                f"--beatpass-rate={args.rate}",
            ]
            if args.base_url:
                argv.append(f"--beatpass-base-url={args.base_url}")
        if args.report:
            argv.append(f"--beatpass-report={Path(args.report).resolve()}")
        if args.workers and importlib.util.find_spec("xdist") is not None:
            argv += ["-p", "xdist.plugin", "-n", str(args.workers)]
        if args.k:
            argv += ["-k", args.k]
        # Only our plugins: whatever else the environment has installed, or puts in
        # PYTEST_ADDOPTS, must not change (or break) the contract run.
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        status = subprocess.call([sys.executable, "-m", "pytest", *argv], cwd=tmp, env=env)
        if Path(coverage).exists():
            report = json.loads(Path(coverage).read_text(encoding="utf-8"))
            failures = sum(report["failures"].values())
            print(
                f"verify: {report['operations_exercised']}/{report['operations_total']} operations "
                f"exercised, {report['operations_succeeded']}/{report['operations_tried_valid']} "
                f"with a success, {sum(report['checks'].values())} checks run, {failures} failed"
                + "".join(f"; {name}: {n}" for name, n in report["failures"].items())
            )
    return 0 if status == 0 else 1


class CliError(ContractError):
    """A bad argument or an unreadable input file: reported in one line, exit status 2."""


def _bounded(kind: type, low: float, high: float | None = None) -> Callable[[str], Any]:
    """An argparse type: a number within bounds, or a one-line usage error."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if value < low or (high is not None and value > high):
            bounds = f"{low:g}..{high:g}" if high is not None else f">= {low:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range ({bounds})")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="beatpass-contract",
        description="Contract tests and an offline mock for the BeatPass API.",
    )
    parser.add_argument("--spec", default=None, help="spec directory (default: the packaged spec)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("schemas", help="write every generated JSON Schema and an index")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=cmd_schemas)

    p = sub.add_parser("openapi", help="write an OpenAPI 3.1 document generated from the spec")
    p.add_argument("--out", required=True, metavar="FILE", help="'-' for stdout")
    p.set_defaults(func=cmd_openapi)

    p = sub.add_parser(
        "drift", help="compare the spec with an OpenAPI document (exit 1 if they differ)"
    )
    p.add_argument("--openapi", required=True, metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the differences as JSON")
    p.set_defaults(func=cmd_drift)

    p = sub.add_parser("serve", help="serve the mock over HTTP on loopback (a local sandbox)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_bounded(int, 0, 65535), default=8000, help="0 picks a free port")
    p.add_argument("--seed", type=int, default=0, help="dataset seed (same seed, same data)")
    p.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="T",
        help="a valid Bearer token (repeatable; default: mock-token)",
    )
    p.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="switch the documented rate limits off (for load and conformance tools)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "verify", help="run the contract suite (offline against the mock by default)"
    )
    p.add_argument(
        "--live", action="store_true", help="read-only, against the real API ($BEATPASS_TOKEN)"
    )
    p.add_argument(
        "--base-url", metavar="URL", help="API base URL for --live (default: production)"
    )
    p.add_argument(
        "--max-requests",
        type=_bounded(int, 1),
        default=100,
        metavar="N",
        help="live: cap on requests",
    )
    p.add_argument(
        "--rate",
        type=_bounded(float, 0.01),
        default=60,
        metavar="N",
        help="live: requests per minute",
    )
    p.add_argument("--report", metavar="FILE", help="write a drift report (.json, else Markdown)")
    p.add_argument("--profile", choices=("ci", "dev", "live"), help="Hypothesis profile")
    p.add_argument(
        "--workers",
        type=_bounded(int, 0, 64),
        default=2,
        help="pytest-xdist workers when installed (0: none)",
    )
    p.add_argument("--coverage", metavar="FILE", help="write endpoint and status coverage as JSON")
    p.add_argument("-k", metavar="EXPR", help="only tests matching this pytest -k expression")
    p.set_defaults(func=cmd_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except ContractError as exc:
        print(f"beatpass-contract {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
