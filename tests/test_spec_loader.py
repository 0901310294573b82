"""The loader turns every kind of mistake into a SpecError naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

import spec
from spec import SpecError, SpecErrorKind
from tests.minimal_spec import MINIMAL, replace


def test_minimal_spec_loads() -> None:
    api = spec.loads(MINIMAL)
    op = api.operations["tracks.show"]
    assert (op.method, op.path, op.auth) == ("GET", "/tracks/{id}", "optional")
    assert op.statuses == (200, 404, 429)
    assert op.responses[429].shared
    assert not op.responses[404].shared


HEAD = "        group: Tracks\n        title: Get Track\n        auth: optional\n" + (
    "        parameters:\n          path:\n"
)


@pytest.mark.parametrize(
    ("old", "new", "kind", "at", "key", "words"),
    [
        pytest.param(
            "        group: Tracks\n",
            "        grup: Tracks\n",
            SpecErrorKind.UNKNOWN_KEY,
            "grup:",
            "grup",
            "did you mean 'group'?",
            id="unknown-key-with-hint",
        ),
        pytest.param(
            "properties: {track: {resource: Track}}",
            "properties: {track: {resource: Trak}}",
            SpecErrorKind.UNDEFINED_REFERENCE,
            "Trak",
            "resource",
            "did you mean 'Track'?",
            id="undefined-resource",
        ),
        pytest.param(
            "          404: {schema: {ref: error}}",
            "          404: {schema: {ref: eror}}",
            SpecErrorKind.UNDEFINED_REFERENCE,
            "eror",
            "ref",
            "undefined shared schema 'eror'",
            id="undefined-ref",
        ),
        pytest.param(
            "            id: {schema: {type: integer}}\n",
            "            track: {schema: {type: integer}}\n",
            SpecErrorKind.UNDECLARED_PATH_PARAMETER,
            "path: /tracks/{id}",
            "path",
            "{id} is not declared",
            id="undeclared-path-param",
        ),
        pytest.param(
            "          404: {schema: {ref: error}}",
            "          418: {schema: {ref: error}}",
            SpecErrorKind.UNDOCUMENTED_STATUS,
            "418:",
            "418",
            "not a documented status",
            id="undocumented-status",
        ),
        pytest.param(
            "        bpm: {schema: {type: integer}}",
            "        bpm: {schema: {type: int}}",
            SpecErrorKind.INVALID_SCHEMA,
            "bpm:",
            "type",
            "type must name",
            id="invalid-schema-type",
        ),
        pytest.param(
            "        bpm: {schema: {type: integer}}",
            "        bpm: {schema: {type: integer, minimun: 1}}",
            SpecErrorKind.INVALID_SCHEMA,
            "bpm:",
            "minimun",
            "did you mean 'minimum'?",
            id="invalid-schema-keyword",
        ),
        pytest.param(
            "        auth: optional",
            "        auth: optionel",
            SpecErrorKind.BAD_VALUE,
            "optionel",
            "auth",
            "did you mean 'optional'?",
            id="bad-enum-value",
        ),
        pytest.param(
            "        title: Get Track\n",
            "        title: Get Track\n        title: Again\n",
            SpecErrorKind.DUPLICATE,
            "title: Again",
            "title",
            "appears twice",
            id="duplicate-key",
        ),
        pytest.param(
            "      - id: tracks.show\n",
            "      - id: tracks.show\n        method: GET\n        method: PUT\n",
            SpecErrorKind.DUPLICATE,
            "method: PUT",
            "method",
            "appears twice",
            id="duplicate-key-2",
        ),
        pytest.param(
            "            id: {schema: {type: integer}}\n",
            "            id: {schema: {type: integer}, resource_from: kind}\n",
            SpecErrorKind.BAD_VALUE,
            "resource_from: kind",
            "resource_from",
            "'kind' is not one",
            id="resource-from-no-such-parameter",
        ),
        pytest.param(
            "        path: /tracks/{id}\n" + HEAD + "            id: {schema: {type: integer}}\n",
            "        path: /x/{kind}/{id}\n"
            + HEAD
            + "            kind: {schema: {type: string, enum: [track, album]}}\n"
            + "            id: {schema: {type: string}, resource_from: kind}\n",
            SpecErrorKind.UNDEFINED_REFERENCE,
            "resource_from: kind",
            "resource_from",
            "value 'album' names no resource",
            id="resource-from-unknown-resource",
        ),
        pytest.param(
            "          404: {schema: {ref: error}}",
            "          404: {schema: {ref: error}\n",
            SpecErrorKind.SYNTAX,
            None,
            None,
            "invalid YAML",
            id="yaml-syntax",
        ),
    ],
)
def test_each_mistake_names_file_line_and_key(
    old: str, new: str, kind: SpecErrorKind, at: str | None, key: str | None, words: str
) -> None:
    text = replace(old, new)
    with pytest.raises(SpecError) as info:
        spec.loads(text, file="bad.yaml")
    err = info.value
    assert err.kind is kind
    assert err.file == "bad.yaml"
    if at is not None:  # the reported line is the (last) line holding the mistake
        assert err.line == max(i for i, ln in enumerate(text.splitlines(), 1) if at in ln)
    assert err.key == key
    assert words in str(err)
    assert str(err).startswith("bad.yaml:")


def _second_operation(op_id: str, method: str, path: str) -> str:
    return MINIMAL + (
        f"      - id: {op_id}\n        method: {method}\n        path: {path}\n"
        "        group: Tracks\n        title: Again\n        auth: optional\n"
        "        parameters: {path: {track: {schema: {type: integer}}}}\n"
        "        responses: {200: {schema: {type: object}}}\n"
    )


def test_duplicate_operation_id() -> None:
    with pytest.raises(SpecError) as info:
        spec.loads(_second_operation("tracks.show", "GET", "/tracks/{track}/x"), file="dup.yaml")
    assert info.value.kind is SpecErrorKind.DUPLICATE
    assert info.value.key == "id"
    lines = _second_operation("tracks.show", "GET", "/tracks/{track}/x").splitlines()
    ids = [i for i, ln in enumerate(lines, 1) if "id: tracks.show" in ln]
    assert info.value.line == ids[1]
    assert f"already used at dup.yaml:{ids[0]}" in str(info.value)


def test_duplicate_method_and_path_ignoring_parameter_names() -> None:
    with pytest.raises(SpecError) as info:
        spec.loads(
            _second_operation("tracks.show_again", "GET", "/tracks/{track}"), file="dup.yaml"
        )
    assert info.value.kind is SpecErrorKind.DUPLICATE
    assert info.value.key == "path"
    assert "already described by tracks.show" in str(info.value)


def test_an_empty_file_in_a_spec_directory_is_named(tmp_path: Path) -> None:
    for name in ("policies", "errors", "resources"):
        (tmp_path / f"{name}.yaml").write_text("", encoding="utf-8")
    api = tmp_path / "api"
    api.mkdir()
    (api / "demo.yaml").write_text(
        "section: Demo\noperations:\n  - id: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(SpecError) as info:
        spec.load(tmp_path)
    assert info.value.kind is SpecErrorKind.BAD_VALUE
    assert info.value.file == str(tmp_path.resolve() / "policies.yaml")
    assert "must hold a YAML mapping" in str(info.value)


def test_syntax_error_in_an_api_file_names_it(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(
        spec.SPEC_DIR, tmp_path / "spec", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    broken = tmp_path / "spec" / "api" / "zz_broken.yaml"
    broken.write_text(
        "section: Broken\noperations:\n  - id: x\n    method: [GET\n", encoding="utf-8"
    )
    with pytest.raises(SpecError) as info:
        spec.load(tmp_path / "spec")
    assert info.value.kind is SpecErrorKind.SYNTAX
    assert info.value.file == str(broken.resolve())
    assert info.value.line == 5  # where the parser noticed; the message names where it began
    assert "while parsing a flow sequence at line 4" in str(info.value)


def test_missing_directory() -> None:
    with pytest.raises(SpecError) as info:
        spec.load("/nonexistent/spec")
    assert info.value.kind is SpecErrorKind.IO


def test_spec_error_is_a_value_error_and_a_contract_error() -> None:
    err = SpecError(SpecErrorKind.BAD_VALUE, "nope", file="f.yaml", line=3, key="k")
    assert isinstance(err, ValueError)
    assert isinstance(err, spec.ContractError)
    assert str(err) == "f.yaml:3: k: nope"


def test_resource_from_maps_each_value_to_its_resource() -> None:
    text = replace(
        HEAD + "            id: {schema: {type: integer}}\n",
        HEAD
        + "            kind: {schema: {type: string, enum: [track]}}\n"
        + "            id: {schema: {type: string}, resource_from: kind}\n",
    ).replace("path: /tracks/{id}", "path: /x/{kind}/{id}")
    param = spec.loads(text).operations["tracks.show"].path_params[1]
    assert (param.name, param.resource_from, param.resource_by) == (
        "id",
        "kind",
        (("track", "Track"),),
    )


KIND = "            kind: {schema: {type: string, enum: [track]}}\n"


@pytest.mark.parametrize(
    ("params", "kind", "key", "words"),
    [
        pytest.param(
            KIND + "            id: {schema: {type: string}, resource_from: [kind]}\n",
            SpecErrorKind.BAD_VALUE,
            "resource_from",
            "must be a non-empty string",
            id="not-a-string",
        ),
        pytest.param(
            KIND + "            id: {schema: {type: string}, resource_from: id}\n",
            SpecErrorKind.BAD_VALUE,
            "resource_from",
            "another path parameter",
            id="names-itself",
        ),
        pytest.param(
            "            id: {schema: {type: string}, resource_from: kind}\n"
            "            kind: {schema: [1]}\n",
            SpecErrorKind.BAD_VALUE,
            "resource_from",
            "'kind' is not one",
            id="named-parameter-schema-not-a-mapping",
        ),
        pytest.param(
            "            kind: {schema: {type: integer, enum: [1, 2]}}\n"
            "            id: {schema: {type: string}, resource_from: kind}\n",
            SpecErrorKind.BAD_VALUE,
            "resource_from",
            "enum of resource names",
            id="enum-not-strings",
        ),
        pytest.param(
            KIND
            + "            id: {schema: {type: string}, resource: Track, resource_from: kind}\n",
            SpecErrorKind.BAD_VALUE,
            "resource",
            "not both",
            id="both-keys",
        ),
    ],
)
def test_resource_from_mistakes_name_file_line_and_key(
    params: str, kind: SpecErrorKind, key: str, words: str
) -> None:
    text = replace(HEAD + "            id: {schema: {type: integer}}\n", HEAD + params).replace(
        "path: /tracks/{id}", "path: /x/{kind}/{id}"
    )
    with pytest.raises(SpecError) as info:
        spec.loads(text, file="bad.yaml")
    err = info.value
    assert (err.kind, err.key, err.file) == (kind, key, "bad.yaml")
    assert err.line is not None
    assert words in str(err)


def test_resource_from_is_for_path_parameters_and_one_id_per_name() -> None:
    base = replace(HEAD + "            id: {schema: {type: integer}}\n", HEAD + KIND)
    on_query = base.replace("path: /tracks/{id}", "path: /x/{kind}").replace(
        KIND,
        KIND + "          query:\n            q: {schema: {type: string}, resource_from: kind}\n",
    )
    with pytest.raises(SpecError, match="resource_from is for path parameters"):
        spec.loads(on_query)
    twice = base.replace("path: /tracks/{id}", "path: /x/{kind}/{a}/{b}").replace(
        KIND,
        KIND
        + "            a: {schema: {type: string}, resource_from: kind}\n"
        + "            b: {schema: {type: string}, resource_from: kind}\n",
    )
    with pytest.raises(SpecError, match="resource_from of two ids") as info:
        spec.loads(twice)
    assert info.value.kind is SpecErrorKind.DUPLICATE


SPEC_FILES = sorted(p for p in spec.SPEC_DIR.rglob("*.yaml"))


def _same(ours: object, theirs: object, text_lines: list[str], where: str) -> None:
    """``ours`` holds what ``yaml.safe_load`` gives, type for type; each key's line names it."""
    from spec._yaml import Node

    assert type(ours) is (Node if isinstance(theirs, dict) else type(theirs)), where
    if isinstance(theirs, dict):
        assert isinstance(ours, Node), where
        assert list(ours) == list(theirs), where
        for key, value in theirs.items():
            line = text_lines[ours.line_of(key) - 1]
            assert str(key) in line, f"{where}: key {key!r} is not on line {ours.line_of(key)}"
            _same(ours[key], value, text_lines, f"{where}.{key}")
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), where  # type: ignore[arg-type]
        for i, (mine, value) in enumerate(zip(ours, theirs, strict=True)):  # type: ignore[call-overload]
            _same(mine, value, text_lines, f"{where}[{i}]")
    else:
        assert ours == theirs, where


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_the_fast_reader_gives_what_pyyaml_gives_with_lines(path: Path) -> None:
    """The spec reader skips PyYAML's generic per-node work for speed; it must not change
    a single value or type, and each key's recorded line is the line it is written on."""
    import yaml

    from spec._yaml import parse

    text = path.read_text(encoding="utf-8")
    _same(parse(text, path.name), yaml.safe_load(text), text.splitlines(), path.name)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("? [1]\n: 2\n", "cannot be a key"),
        ("x: !nosuchtag 3\n", "could not determine a constructor"),
        ("a: [1\n", "did not find expected"),
    ],
    ids=["list-as-key", "unknown-tag", "unclosed-flow"],
)
def test_yaml_mistakes_are_spec_errors_with_a_line(text: str, words: str) -> None:
    from spec._yaml import parse

    with pytest.raises(SpecError) as caught:
        parse(text, "page.yaml")
    assert caught.value.kind is SpecErrorKind.SYNTAX
    assert caught.value.line is not None
    assert words in str(caught.value)
