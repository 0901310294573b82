"""The command line on the base install, where pytest is not installed.

Each command runs in a fresh interpreter in which ``import pytest`` fails, as it does after
``pip install beatpass-contract``: only ``verify`` needs pytest, and it says how to get it.
(``.ci/run`` repeats the check with the built wheel in a virtual environment without pytest.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

import spec
from tests.test_cli_serve import NO_PYTEST, _start, _stop


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NO_PYTEST, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_help_and_version_need_no_pytest(tmp_path: Path) -> None:
    helped = _run("--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "serve" in helped.stdout
    assert "verify" in helped.stdout
    version = _run("--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip().startswith("beatpass-contract ")


def test_openapi_and_schemas_need_no_pytest(tmp_path: Path) -> None:
    exported = _run("openapi", "--out", "-", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["openapi"] == "3.1.0"
    written = _run("schemas", "--out", str(tmp_path / "schemas"), cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    index = json.loads((tmp_path / "schemas" / "index.json").read_text())
    assert len(index["schemas"]) == len(spec.load().schemas)


def test_verify_without_pytest_says_how_to_install_it(tmp_path: Path) -> None:
    result = _run("verify", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "beatpass-contract verify: error: verify runs the contract suite with pytest, which is "
        "not installed: pip install 'beatpass-contract[test]'"
    ]


def test_serve_needs_no_pytest() -> None:
    served = _start("--seed", "1", launcher=NO_PYTEST)
    try:
        with httpx.Client(base_url=served.base_url, timeout=10) as client:
            response = client.get("/tracks/1", headers={"Authorization": "Bearer mock-token"})
        assert response.status_code == 200
        assert "price" in response.json()["track"]
    finally:
        assert _stop(served) == 0


def test_the_launcher_really_hides_pytest(tmp_path: Path) -> None:
    """The checks above prove something only if pytest is out of reach in that interpreter."""
    code = NO_PYTEST.replace("from contract_tests._cli import main", "import pytest")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr or "ImportError" in result.stderr
