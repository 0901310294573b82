"""The command line as a user meets it: schemas, openapi, serve and verify (drift: test_drift)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

import spec
from contract_tests._cli import main

API = spec.load()


def test_schemas_writes_every_schema_and_an_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index["schemas"]) == len(API.schemas)
    for name in index["schemas"]:
        doc = json.loads((tmp_path / f"{name}.json").read_text())
        Draft202012Validator.check_schema(doc)
    assert f"wrote {len(API.schemas)} schemas" in capsys.readouterr().out


def test_written_schemas_resolve_their_refs_from_disk(tmp_path: Path) -> None:
    """The relative $refs work for a user who loads the files, not only in our registry."""
    from referencing import Registry, Resource

    main(["schemas", "--out", str(tmp_path)])

    def retrieve(uri: str) -> Resource:  # maps our $id base onto the output directory
        rel = uri.removeprefix("https://beatpass-contract.local/schemas/")
        return Resource.from_contents(json.loads((tmp_path / rel).read_text()))

    name = "operations/tracks.show/response.200.public"
    validator = Draft202012Validator(
        json.loads((tmp_path / f"{name}.json").read_text()), registry=Registry(retrieve=retrieve)
    )
    track = {
        "id": 1,
        "name": "x",
        "image": None,
        "created_at": "2024-01-01T00:00:00Z",
        "model_type": "track",
        "duration_text": "3:00",
        "bpm": 90,
    }
    errors = list(validator.iter_errors({"status": "success", "track": track}))
    assert any("'bpm' was unexpected" in e.message for e in errors)  # bpm is token-tier


def test_openapi_export_is_valid_openapi_31(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    assert main(["openapi", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["openapi"] == "3.1.0"
    validate(document)
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert len(operations) == len(API.operations) == 247
    assert {op["operationId"] for op in operations} == set(API.operations)


def test_openapi_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "--out", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["info"]["title"] == "BeatPass API"


def test_a_broken_spec_directory_is_reported_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    shutil.copytree(
        spec.SPEC_DIR, tmp_path / "spec", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    res = tmp_path / "spec" / "resources.yaml"
    res.write_text(res.read_text().replace("tier: public", "tier: publik", 1))
    assert main(["--spec", str(tmp_path / "spec"), "openapi", "--out", "-"]) == 2
    err = capsys.readouterr().err
    assert "resources.yaml:" in err
    assert "'publik' is not one of public, public_optional, token; did you mean 'public'?" in err


def test_missing_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["schemas"])
    assert info.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_verify_live_without_a_token_sends_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BEATPASS_TOKEN", raising=False)
    assert main(["verify", "--live", "--base-url", "http://127.0.0.1:9/api/v1"]) == 2
    assert (
        "--live needs BEATPASS_TOKEN in the environment; nothing was sent"
        in capsys.readouterr().err
    )


def test_verify_is_isolated_from_the_callers_pytest_setup(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """(capfd: the suite runs in a subprocess, writing to the file descriptors.)"""
    import xml.etree.ElementTree as ET

    monkeypatch.setenv("PYTEST_ADDOPTS", "--an-option-nobody-defines")
    monkeypatch.chdir(tmp_path)  # a relative --junitxml is the caller's, not the suite's
    argv = ["verify", "-k", "tracks and show", "--workers", "2", "--junitxml", "junit.xml"]
    assert main([*argv, "--durations", "2", "-rA"]) == 0
    out = capfd.readouterr().out
    assert "verify: 12/247 operations exercised" in out
    assert ", 0 failed" in out
    assert "slowest 2 durations" in out  # --durations and -r reached pytest
    assert "PASSED contract_tests/suite/" in out
    cases = list(ET.parse(tmp_path / "junit.xml").iter("testcase"))
    assert len(cases) >= 12
    # Named after the package wherever it is installed, not after the path to site-packages.
    assert {c.get("classname", "").rsplit(".", 1)[0] for c in cases} == {"contract_tests.suite"}


def test_verify_passes_anything_after_a_double_dash_to_pytest(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", "--workers", "0", "-k", "tracks and show", "--", "--collect-only"]) == 0
    out = capfd.readouterr().out
    assert "contract_tests/suite/test_operations.py::test_contract[tracks.show]" in out
    assert " passed" not in out  # collected, not run


@pytest.mark.parametrize("option", ["--report", "--coverage", "--junitxml"])
def test_verify_refuses_an_output_it_cannot_write_before_running(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, option: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for path, why in ((tmp_path, "is a directory"), (blocker / "out.json", "cannot make")):
        assert main(["verify", "-k", "coupons", option, str(path)]) == 2
        out, err = capfd.readouterr()
        (line,) = err.splitlines()
        assert f"verify: error: {option} {path}: {why}" in line
        assert "passed" not in out  # refused before the suite ran


def test_verify_makes_the_directory_of_its_report(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "new" / "dir" / "drift.md"
    assert main(["verify", "--workers", "0", "-k", "coupons", "--report", str(report)]) == 0
    assert report.read_text(encoding="utf-8").startswith("#")
    assert ", 0 failed" in capfd.readouterr().out


def test_verify_refuses_a_base_url_without_live(capsys: pytest.CaptureFixture[str]) -> None:
    """Offline, the suite runs on the mock: a URL given there would be silently unused."""
    assert main(["verify", "--base-url", "https://staging.example/api/v1"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "--base-url is the API of a --live run" in line


def test_an_option_pytest_does_not_know_is_a_usage_error(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", "--workers", "0", "-k", "coupons", "--", "--bogus-flag"]) == 2
    assert "unrecognized arguments: --bogus-flag" in capfd.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"beatpass-contract {version('beatpass-contract')}\n"


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["verify", "--maxfail", "0"],
            "verify: error: argument --maxfail: 0 is out of range (>= 1)",
        ),
        (
            ["verify", "--workers", "two"],
            "verify: error: argument --workers: 'two' is not a whole number",
        ),
        (
            ["openapi", "--out", "-", "--tier", "vip"],
            "openapi: error: argument --tier: invalid choice",
        ),
    ],
)
def test_bad_arguments_are_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    (err,) = capsys.readouterr().err.splitlines()
    assert err.startswith(f"beatpass-contract {line}")


def _export(view: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["openapi", "--tier", view, "--out", "-"]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    validate(document)
    return document


def _validator(document: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A validator for one schema of the exported document, its $refs resolved in it."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:export", resource)
    return Draft202012Validator({"$ref": f"urn:export#{pointer}"}, registry=registry)


def test_openapi_paths_differ_by_more_than_parameter_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import re

    document = _export("both", capsys)
    families = [re.sub(r"\{[^}]*\}", "{}", path) for path in document["paths"]]
    assert len(families) == len(set(families))
    item = document["paths"]["/tracks/{id}"]
    assert {m: op["operationId"] for m, op in item.items()} == {
        "get": "tracks.show",
        "put": "tracks.update",
        "delete": "tracks.delete",
    }
    delete = item["delete"]
    assert delete["x-documented-path"] == "/tracks/{ids}"
    (param,) = [p for p in delete["parameters"] if p["in"] == "path"]
    assert param["name"] == "id"
    assert "(documented as {ids})" in param["description"]
    assert param["schema"]["type"] == "string"  # still the comma-separated list it documents


def test_openapi_has_no_boolean_schemas_and_still_forbids_hidden_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = _export("both", capsys)

    def booleans(node: Any, key: str = "") -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, bool) and key == "properties":
                    yield k
                yield from booleans(v, k)
        elif isinstance(node, list):
            for v in node:
                yield from booleans(v, key)

    assert list(booleans(document)) == []
    track = document["components"]["schemas"]["Track"]
    assert "src" in track["x-hidden-fields"]
    assert "src" not in track["properties"]
    record = spec_track_record()
    validator = _validator(document, "/components/schemas/Track")
    assert list(validator.iter_errors(record)) == []
    assert list(validator.iter_errors({**record, "src": "https://cdn/x.mp3"}))


def spec_track_record() -> dict[str, Any]:
    from mockserver import BeatPassMock

    api = BeatPassMock(seed=1)
    with httpx.Client(base_url=api.base_url, transport=api.transport) as client:
        body: dict[str, Any] = client.get("/tracks/1", headers=api.auth_headers()).json()
    return body["track"]


@pytest.mark.parametrize(
    ("view", "anonymous_ok", "token_ok"),
    [("both", True, True), ("public", True, False), ("token", False, True)],
)
def test_openapi_tier_views_describe_what_each_caller_gets(
    capsys: pytest.CaptureFixture[str], view: str, anonymous_ok: bool, token_ok: bool
) -> None:
    from mockserver import BeatPassMock

    document = _export(view, capsys)
    api = BeatPassMock(seed=1)
    with httpx.Client(base_url=api.base_url, transport=api.transport) as client:
        anonymous = client.get("/tracks/1").json()
        rich = client.get("/tracks/1", headers=api.auth_headers()).json()
    pointer = "/paths/~1tracks~1{id}/get/responses/200/content/application~1json/schema"
    validator = _validator(document, pointer)
    assert validator.is_valid(anonymous) is anonymous_ok
    assert validator.is_valid(rich) is token_ok
    security = document["paths"]["/tracks/{id}"]["get"]["security"]
    assert (
        security
        == {"both": [{}, {"bearerAuth": []}], "public": [], "token": [{"bearerAuth": []}]}[view]
    )
    operations = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert ("beat_requests.list" in operations) is (view != "public")  # needs a token
