"""The command line as a user meets it: schemas, openapi, serve and verify (drift: test_drift)."""

from __future__ import annotations

import json
from pathlib import Path

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
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", "--an-option-nobody-defines")
    assert main(["verify", "-k", "tracks and show", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "verify: 12/247 operations exercised" in out
    assert ", 0 failed" in out
