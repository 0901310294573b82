"""The control API through ``beatpass-contract serve`` as a user runs it, and the README's
curl and Node walkthroughs run as written against it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_cli_serve import Served, _start, _stop

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### The control API") :]


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    process = _start("--seed", "4", "--token", "user-one", "--token", "acts-as-five=5")
    try:
        yield process
    finally:
        _stop(process)


def _origin(served: Served) -> str:
    return served.base_url.removesuffix("/api/v1")


def test_tokens_given_on_the_command_line_act_as_their_user(served: Served) -> None:
    for token, user in (("user-one", 1), ("acts-as-five", 5)):
        r = httpx.get(
            served.base_url + "/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert r.json()["user"]["id"] == user
    assert httpx.get(_origin(served) + "/__beatpass/health", timeout=10).json()["seed"] == 4
    assert not any("acts-as-five" in line for line in served.lines)


def test_the_readme_curl_walkthrough_runs(served: Served, tmp_path: Path) -> None:
    block = re.search(r"With curl:\n\n```bash\n(.*?)```", SECTION, re.S)
    assert block is not None, "the README lost its curl walkthrough"
    script = block.group(1).replace("S=http://127.0.0.1:8000", f"S={_origin(served)}", 1)
    assert shutil.which("curl"), "curl is needed to run the README's walkthrough"
    out = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert '"status":"ok"' in out
    assert '"id":5' in out
    assert '{"message":"Service Unavailable"}' in out
    assert '"discarded":"job-42"' in out


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is not installed here")
def test_the_readme_node_example_runs(served: Served, tmp_path: Path) -> None:
    block = re.search(r"From Node .*?```js\n(.*?)```", SECTION, re.S)
    assert block is not None, "the README lost its Node example"
    script = tmp_path / "sandbox.mjs"
    script.write_text(block.group(1), encoding="utf-8")
    run = subprocess.run(
        ["node", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SANDBOX": _origin(served)},
    )
    assert run.returncode == 0, run.stderr
    # it cleaned up after itself: its world is gone, only the default one is left
    health = httpx.get(_origin(served) + "/__beatpass/health", timeout=10).json()
    assert health["worlds"] == 1


def test_openapi_control_writes_the_control_document(tmp_path: Path) -> None:
    out = tmp_path / "control.json"
    subprocess.run(
        [sys.executable, "-m", "contract_tests._cli", "openapi", "--control", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    document = json.loads(out.read_text(encoding="utf-8"))
    assert "/__beatpass/tokens" in document["paths"]
    assert document["info"]["title"] == "BeatPass sandbox control API"


@pytest.mark.parametrize("bad", ["", "has space=2", "t=0"])
def test_a_bad_token_argument_is_a_one_line_error(bad: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "contract_tests._cli", "serve", "--port", "0", "--token", bad],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "--token" in run.stderr
    assert "Traceback" not in run.stderr
