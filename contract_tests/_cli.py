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
from typing import Any, NoReturn

import spec
from spec import ContractError

from . import _liveoptions as live_options
from ._files import writable_file

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

    if args.control:  # the sandbox's control API, a document of its own
        from mockserver import control_openapi

        document = control_openapi()
    else:
        document = to_openapi(spec.load(args.spec), args.tier)
    _write_json(document, args.out)
    if args.out != "-":
        view = (
            "control API"
            if args.control
            else "both tiers"
            if args.tier == "both"
            else f"{args.tier} tier"
        )
        print(f"wrote OpenAPI 3.1 ({view}, {len(document['paths'])} paths) to {args.out}")
    return 0


MAX_DOCUMENT_BYTES = 64 << 20
"""drift reads the whole document; the published one is a few hundred kB."""


def cmd_drift(args: argparse.Namespace) -> int:
    """Exit 0 when the document differs from the spec only as the baseline acknowledges, 1
    when something is NEW or an acknowledgement is STALE, 2 on unreadable input."""
    from spec._drift import drift, sha256_of
    from spec._drift_baseline import Baseline, default_path, load_baseline
    from spec._drift_facts import DocumentTooComplex

    path = Path(args.openapi)
    data, document = _read_openapi(path)
    baseline_path = Path(args.baseline) if args.baseline else default_path(args.spec)
    sha = sha256_of(data)
    if args.update_baseline:
        previous = load_baseline(baseline_path) if baseline_path.exists() else None
        baseline = previous or Baseline("", sha, "1970-01-01", ())
    else:
        baseline = load_baseline(baseline_path)
    try:
        report = drift(spec.load(args.spec), document, baseline, sha)
    except DocumentTooComplex as exc:
        raise CliError(f"{path}: {exc}") from None
    if args.update_baseline:
        return _update_baseline(args, report, document, baseline_path, previous)
    if args.json:
        _write_json(report.as_dict(acknowledged=args.acknowledged), "-")
    else:
        for line in report.lines(acknowledged=args.acknowledged):
            print(line)
    print(report.summary(), file=sys.stderr if args.json else sys.stdout)
    return report.status


def _read_openapi(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The document's bytes (their sha256 names it in the baseline) and its JSON."""
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            limit = MAX_DOCUMENT_BYTES >> 20
            raise CliError(f"{path} is larger than {limit} MiB: not an API description")
        data = path.read_bytes()
        document = json.loads(data.decode("utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise CliError(f"{path} is not a JSON OpenAPI document: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise CliError(f"{path} is not an OpenAPI document (no 'paths')")
    return data, document


def _update_baseline(
    args: argparse.Namespace, report: Any, document: dict[str, Any], out: Path, previous: Any
) -> int:
    """Record the document as reconciled; the new file is checked before it replaces the old."""
    import datetime

    from spec._drift import updated_baseline
    from spec._drift_baseline import loads_baseline

    date = args.date or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise CliError(f"--date {date!r} is not a date written YYYY-MM-DD") from None
    info = document.get("info")
    info = info if isinstance(info, dict) else {}
    title = args.title or f"{info.get('title', args.openapi)} {info.get('version', '')}".strip()
    text = updated_baseline(report, title, date, previous=previous)
    written = loads_baseline(text, str(out))  # what is written must read back
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(
        f"wrote {out}: {len(written.acknowledged)} acknowledged differences, "
        f"{written.unreviewed} of them unreviewed (say why the spec differs)"
    )
    return 0


def _token(text: str) -> tuple[str, int]:
    """``--token T`` (user 1) or ``--token T=USER``: a valid token acting as that user. Only
    digits after the last ``=`` make a user id, so a token ending in ``=`` stays whole."""
    value, _, user = text.rpartition("=")
    if not (value and user.isascii() and user.isdigit()):
        value, user = text, "1"
    if not value.strip() or any(c.isspace() for c in value):
        raise argparse.ArgumentTypeError(f"{text!r}: a token is non-empty, without spaces")
    if not 0 < int(user) < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r}: USER in T=USER is a user id (1, 2, ...)")
    return value, int(user)


def cmd_serve(args: argparse.Namespace) -> int:
    from mockserver import Sandbox

    from ._listen import check_host, check_port

    try:
        from mockserver import serve
    except ImportError as exc:
        raise CliError(str(exc)) from None
    check_host(args.host, allow_non_loopback=args.allow_non_loopback)
    check_port(args.host, args.port)

    tokens = dict(args.token) or {"mock-token": 1}
    loaded = spec.load(args.spec)
    try:
        sandbox = Sandbox.create(
            tokens,
            seed=args.seed,
            max_worlds=args.max_worlds,
            rate_limits=not args.no_rate_limits,
            spec=loaded,
        )
    except ValueError as exc:  # a token for a user the world lacks
        raise CliError(f"--token: {exc}") from None
    return serve(
        sandbox, host=args.host, port=args.port, secrets=tokens, blocking=sandbox.may_block
    )


def cmd_verify(args: argparse.Namespace) -> int:
    """Run the contract suite shipped in the package, in a fresh interpreter, isolated from
    the caller's own pytest configuration."""
    import importlib.util
    import subprocess
    import tempfile

    try:
        import pytest  # noqa: F401  (only to know it is there: the suite runs in a subprocess)
    except ImportError:
        raise CliError(
            "verify runs the contract suite with pytest, which is not installed: "
            "pip install 'beatpass-contract[test]'"
        ) from None
    import contract_tests

    if args.base_url and not args.live:
        # Offline runs use the in-process mock: a URL there would be silently unused.
        raise CliError("--base-url is the API of a --live run; offline runs use the mock")
    # The package's parent as rootdir and working directory: node ids, JUnit classnames and
    # reported paths read `contract_tests/suite/...` wherever the package is installed.
    root = str(Path(contract_tests.__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory(prefix="beatpass-verify-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text(
            "[pytest]\naddopts = --strict-markers\nfilterwarnings =\n    error\n", encoding="utf-8"
        )
        coverage = (
            str(_output(args.coverage, "--coverage"))
            if args.coverage
            else str(Path(tmp) / "coverage.json")
        )
        argv = [
            "--pyargs",
            "contract_tests.suite",
            "-c",
            str(ini),
            "--rootdir",
            root,
            "-p",
            "contract_tests.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--beatpass-coverage={coverage}",
            f"--beatpass-profile={args.profile or ('live' if args.live else 'ci')}",
        ]
        if args.live:
            token = os.environ.get("BEATPASS_TOKEN", "").strip()
            if not token:
                raise CliError("--live needs BEATPASS_TOKEN in the environment; nothing was sent")
            live_options.check_token(token)  # refused by position, never shown
            if args.base_url:
                live_options.check_base_url(args.base_url)
            argv += [
                "--beatpass-live",
                f"--beatpass-max-requests={args.max_requests}",
                f"--beatpass-rate={args.rate!r}",
                f"--beatpass-deadline={args.deadline!r}",
                f"--beatpass-max-response-bytes={args.max_response_bytes}",
            ]
            if args.base_url:
                argv.append(f"--beatpass-base-url={args.base_url}")
        if args.report:
            argv.append(f"--beatpass-report={_output(args.report, '--report')}")
        if args.workers and importlib.util.find_spec("xdist") is not None:
            argv += ["-p", "xdist.plugin", "-n", str(args.workers)]
        if args.k:
            argv += ["-k", args.k]
        argv += _reporting(args)
        # Only our plugins: whatever else the environment has installed, or puts in
        # PYTEST_ADDOPTS, must not change (or break) the contract run.
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        status = subprocess.call([sys.executable, "-m", "pytest", *argv], cwd=root, env=env)
        if Path(coverage).exists():
            report = json.loads(Path(coverage).read_text(encoding="utf-8"))
            failures = sum(report["failures"].values())
            print(
                f"verify: {report['operations_exercised']}/{report['operations_total']} operations "
                f"exercised, {report['operations_succeeded']}/{report['operations_tried_valid']} "
                f"with a success, {sum(report['checks'].values())} checks run, {failures} failed"
                + "".join(f"; {name}: {n}" for name, n in report["failures"].items())
            )
    # pytest's own usage error (an option after -- it does not know) is a bad argument here
    # too; it has printed why.
    return 0 if status == 0 else 2 if status == 4 else 1


def _reporting(args: argparse.Namespace) -> list[str]:
    """The pytest reporting options verify passes through (paths made absolute, since the
    suite runs in a temporary directory)."""
    out: list[str] = []
    if args.junitxml:
        out.append(f"--junitxml={_output(args.junitxml, '--junitxml')}")
    if args.exitfirst:
        out.append("--exitfirst")
    if args.maxfail is not None:
        out.append(f"--maxfail={args.maxfail}")
    if args.tb:
        out.append(f"--tb={args.tb}")
    if args.durations is not None:
        out.append(f"--durations={args.durations}")
    if args.report_chars:
        out.append(f"-r{args.report_chars}")
    out += ["-v"] * args.verbose
    return out + list(args.pytest_args)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("beatpass-contract")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


class CliError(ContractError):
    """A bad argument or an unreadable input file: reported in one line, exit status 2."""


def _output(text: str, option: str) -> Path:
    """A file verify writes when the run ends, checked before the run starts."""
    try:
        return writable_file(text, option)
    except ValueError as exc:
        raise CliError(str(exc)) from None


_KINDS = {"int": "a whole number", "float": "a number"}


def _bounded(
    kind: type, low: float | None = None, high: float | None = None
) -> Callable[[str], Any]:
    """An argparse type: a number within bounds, or a one-line usage error."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            what = _KINDS.get(kind.__name__, kind.__name__)
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if low is None:
            return value
        if value < low or (high is not None and value > high):
            bounds = f"{low:g}..{high:g}" if high is not None else f">= {low:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range ({bounds})")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (``prog command: error: ...``) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="beatpass-contract",
        description="Contract tests and an offline mock for the BeatPass API.",
    )
    parser.add_argument("--spec", default=None, help="spec directory (default: the packaged spec)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("schemas", help="write every generated JSON Schema and an index")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=cmd_schemas)

    p = sub.add_parser("openapi", help="write an OpenAPI 3.1 document generated from the spec")
    p.add_argument("--out", required=True, metavar="FILE", help="'-' for stdout")
    p.add_argument(
        "--tier",
        choices=("both", "public", "token"),
        default="both",
        help="both: responses are anyOf [token, public] where they differ (default); "
        "public: as an anonymous caller meets the API; token: as a caller with a token",
    )
    p.add_argument(
        "--control",
        action="store_true",
        help="describe the served sandbox's control API (/__beatpass) instead",
    )
    p.set_defaults(func=cmd_openapi)

    p = sub.add_parser(
        "drift",
        help="has the published OpenAPI document changed since the spec was reconciled? "
        "(exit 1 when a difference is new)",
    )
    p.add_argument("--openapi", required=True, metavar="FILE", help="the OpenAPI document (JSON)")
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="acknowledged differences (default: drift_baseline.yaml beside the spec)",
    )
    p.add_argument("--json", action="store_true", help="the same report as JSON on stdout")
    p.add_argument(
        "--acknowledged", action="store_true", help="also list the acknowledged differences"
    )
    p.add_argument(
        "--update-baseline",
        action="store_true",
        help="record this document as reconciled: keep known reasons, mark new ones unreviewed",
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="with --update-baseline: document date")
    p.add_argument("--title", help="with --update-baseline: how to name the document")
    p.set_defaults(func=cmd_drift)

    p = sub.add_parser("serve", help="serve the mock over HTTP on loopback (a local sandbox)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_bounded(int, 0, 65535), default=8000, help="0 picks a free port")
    p.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow a --host other machines can reach (the sandbox accepts a well-known token)",
    )
    p.add_argument(
        "--seed", type=_bounded(int, 0), default=0, help="dataset seed (same seed, same data)"
    )
    p.add_argument(
        "--token",
        action="append",
        default=[],
        type=_token,
        metavar="T[=USER]",
        help="a valid Bearer token, acting as user USER (default 1); repeatable; "
        "default: mock-token",
    )
    p.add_argument(
        "--max-worlds",
        type=_bounded(int, 0, 1024),
        default=16,
        metavar="N",
        help="isolated worlds (X-BeatPass-Sandbox) held besides the default one (default 16)",
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
        type=live_options.max_requests,
        default=live_options.DEFAULT_MAX_REQUESTS,
        metavar="N",
        help="live: cap on requests (at least 1)",
    )
    p.add_argument(
        "--rate",
        type=live_options.rate,
        default=live_options.DEFAULT_RATE,
        metavar="N",
        help="live: requests per minute (finite, positive)",
    )
    p.add_argument(
        "--deadline",
        type=live_options.seconds,
        default=live_options.DEFAULT_DEADLINE,
        metavar="SECONDS",
        help="live: deadline for each whole request, last byte included",
    )
    p.add_argument(
        "--max-response-bytes",
        type=live_options.max_bytes,
        default=live_options.DEFAULT_MAX_BYTES,
        metavar="N",
        help="live: cap on each answer's decoded size",
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
    report = p.add_argument_group("pytest reporting (passed through)")
    report.add_argument("--junitxml", metavar="FILE", help="write a JUnit XML report")
    report.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    report.add_argument(
        "--maxfail", type=_bounded(int, 1), metavar="N", help="stop after N failures"
    )
    report.add_argument(
        "--tb", choices=("auto", "long", "short", "line", "native", "no"), help="traceback style"
    )
    report.add_argument(
        "--durations", type=_bounded(int, 0), metavar="N", help="list the N slowest tests (0: all)"
    )
    report.add_argument(
        "-r", dest="report_chars", metavar="CHARS", help="short summary (as pytest -r)"
    )
    report.add_argument("-v", "--verbose", action="count", default=0, help="more output")
    report.add_argument(
        "pytest_args",
        nargs="*",
        metavar="-- PYTEST_ARGS",
        help="anything after -- goes to pytest unchanged",
    )
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
