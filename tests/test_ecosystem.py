"""Our OpenAPI export in the tools users feed it to, as those tools are, at pinned versions.

Redocly CLI (``tools/package.json``, ``npm ci --prefix tools``) lints every view with 0 errors;
openapi-python-client (the ``tools`` extra) generates a client that reads a track, a list and
a search from the served sandbox, with a token and without one. These run tools outside this
package, so they are marked ``ecosystem`` and left out of the default run;
``python -m pytest -m ecosystem`` (and ``.ci/run``) runs them. A missing tool fails the test
with the command that installs it: a check that did not run must not look like one that passed.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from contract_tests._cli import main
from mockserver import BackgroundServer, BeatPassMock

pytestmark = pytest.mark.ecosystem

ROOT = Path(__file__).resolve().parents[1]
REDOCLY = ROOT / "tools" / "node_modules" / ".bin" / "redocly"
TOKEN = "mock-token"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("openapi")
    views = {}
    for view in ("both", "public", "token"):
        views[view] = out / f"{view}.json"
        assert main(["openapi", "--tier", view, "--out", str(views[view])]) == 0
    return views


@pytest.mark.parametrize("view", ["both", "public", "token"])
def test_redocly_lint_finds_no_error(exported: dict[str, Path], view: str) -> None:
    if not REDOCLY.exists():
        pytest.fail(f"Redocly CLI is not installed: run `npm ci --prefix {ROOT / 'tools'}`")
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    result = subprocess.run(
        [str(REDOCLY), "lint", str(exported[view]), "--format=json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=exported[view].parent,  # no redocly.yaml of ours: its recommended rules, as is
    )
    report = json.loads(result.stdout[result.stdout.index("{") :])
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert errors == [], [(p["ruleId"], p["message"]) for p in errors]
    assert result.returncode == 0, result.stderr[-2000:]
    assert report["totals"]["errors"] == 0


def _generate(document: Path, out: Path, package: str) -> ModuleType:
    """Run openapi-python-client as a user would, and import the package it wrote."""
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.fail("openapi-python-client is not installed: pip install -e '.[tools]'")
    config = out / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))  # no formatter run on the output
    result = subprocess.run(
        [
            tool,
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(out / package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[BeatPassMock, str]]:
    api = BeatPassMock(seed=4, rate_limits=False)
    with BackgroundServer(api.served_handler) as server:
        yield api, server.base_url


def _api(package: ModuleType, group: str, op: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{group}.{op}")


@pytest.fixture(scope="module")
def both_client(exported: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return _generate(exported["both"], tmp_path_factory.mktemp("gen"), "beatpass_both_client")


def _same_track(model: Any, raw: dict[str, Any]) -> None:
    """The generated model holds what the sandbox sent: the same fields, the same values
    (dates parsed into datetimes), nothing left in ``additional_properties``."""
    assert set(model.to_dict()) == set(raw)
    assert getattr(model, "additional_properties", {}) == {}  # a closed (public) model has none
    assert (model.id, model.name, model.duration_text) == (
        raw["id"],
        raw["name"],
        raw["duration_text"],
    )
    assert model.created_at == datetime.fromisoformat(raw["created_at"].replace("Z", "+00:00"))
    if "price" in raw:
        assert (model.price, model.duration) == (raw["price"], raw["duration"])


def _raw(base_url: str, path: str, token: str | None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(base_url + path, params=params, headers=headers, timeout=10).json()


@pytest.mark.parametrize("token", [TOKEN, None], ids=["token", "anonymous"])
def test_generated_client_reads_a_track_a_list_and_a_search(
    both_client: ModuleType, sandbox: tuple[BeatPassMock, str], token: str | None
) -> None:
    api, base_url = sandbox
    client_module = importlib.import_module(f"{both_client.__name__}.client")
    client = (
        client_module.AuthenticatedClient(base_url=base_url, token=token)
        if token
        else client_module.Client(base_url=base_url)
    )
    with client:
        _reads(both_client, client, api, base_url, token)


def _reads(
    package: ModuleType, client: Any, api: BeatPassMock, base_url: str, token: str | None
) -> None:
    tier = "Token" if token else "Public"
    track_id = api.records("Track")[0]["id"]

    track = _api(package, "tracks", "tracks_show").sync(track_id, client=client)
    assert type(track).__name__ == f"TracksShow{tier}Tier"
    raw = _raw(base_url, f"/tracks/{track_id}", token)["track"]
    _same_track(track.track, raw)
    assert ("price" in raw) == bool(token)  # a token-tier field

    page = _api(package, "tracks", "tracks_list").sync(client=client, per_page=5)
    assert type(page).__name__ == f"TracksList{tier}Tier"
    listed = _raw(base_url, "/tracks", token, per_page=5)
    assert [t.id for t in page.tracks.data] == [t["id"] for t in listed["tracks"]["data"]]
    assert page.tracks.total == listed["tracks"]["total"]
    assert len(page.tracks.data) == 5
    _same_track(page.tracks.data[0], listed["tracks"]["data"][0])

    word = raw["name"].split()[0]
    found = _api(package, "search", "search").sync(client=client, query=word)
    assert type(found).__name__ == f"Search{tier}Tier"
    expected = _raw(base_url, "/search", token, query=word)["results"]
    assert found.query == word
    assert expected["tracks"], "the search for a track's own word found no track"
    for kind, items in expected.items():  # every kind of result, the same records in order
        assert [r.id for r in getattr(found.results, kind)] == [r["id"] for r in items]
    _same_track(found.results.tracks[0], expected["tracks"][0])


def test_the_public_view_generates_a_client_typed_for_anonymous_callers(
    exported: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    sandbox: tuple[BeatPassMock, str],
) -> None:
    api, base_url = sandbox
    package = _generate(exported["public"], tmp_path_factory.mktemp("gen"), "beatpass_public")
    client_module = importlib.import_module(f"{package.__name__}.client")
    track_id = api.records("Track")[1]["id"]
    show = _api(package, "tracks", "tracks_show")
    # No security requirement: the plain Client is a declared argument, not only the token one.
    assert client_module.Client in typing.get_args(show.sync.__annotations__["client"])
    with client_module.Client(base_url=base_url) as client:
        track = show.sync(track_id, client=client)
    _same_track(track.track, _raw(base_url, f"/tracks/{track_id}", None)["track"])
    assert not hasattr(track.track, "price")
