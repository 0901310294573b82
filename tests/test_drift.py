"""``beatpass-contract drift`` as a spec maintainer meets it.

Every document here is written by the test: our own OpenAPI export (what the spec says), changed
in exactly one way, compared against a baseline recorded for the unchanged export. Expectations
are read from the loaded document, never from details of the export that may change.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spec
from contract_tests._cli import main
from spec._drift import classify, differences, spec_document
from spec._drift_baseline import ABSENT, UNREVIEWED, Baseline, default_path, load_baseline
from spec._drift_facts import facts

API = spec.load()
EXPORT: dict[str, Any] = spec_document(API)
JSON = dict[str, Any]


class Drift:
    """Runs ``drift`` on documents written to a temporary directory, against one baseline."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.dir = tmp_path
        self.capsys = capsys
        self.baseline = tmp_path / "baseline.yaml"

    def write(self, doc: object, name: str = "doc.json") -> str:
        path = self.dir / name
        path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
        return str(path)

    def record(self, doc: object, *extra: str) -> str:
        """Record ``doc`` as the reconciled document (``--update-baseline``)."""
        argv = ["drift", "--openapi", self.write(doc, "reconciled.json"), "--update-baseline"]
        assert main([*argv, "--baseline", str(self.baseline), "--date", "2026-01-02", *extra]) == 0
        return self.capsys.readouterr().out

    def explain(self, why: str) -> None:
        """Replace the reasons ``--update-baseline`` left unreviewed, as a reviewer does."""
        text = self.baseline.read_text(encoding="utf-8")
        self.baseline.write_text(text.replace(UNREVIEWED, why), encoding="utf-8")

    def run(self, doc: object, *extra: str) -> tuple[int, JSON]:
        argv = ["drift", "--openapi", self.write(doc), "--baseline", str(self.baseline), "--json"]
        status = main([*argv, *extra])
        captured = self.capsys.readouterr()
        return status, json.loads(captured.out)

    def text(self, doc: object, *extra: str) -> tuple[int, list[str]]:
        argv = ["drift", "--openapi", self.write(doc), "--baseline", str(self.baseline), *extra]
        status = main(argv)
        return status, self.capsys.readouterr().out.splitlines()


_RECORDED: list[str] = []  # the baseline of the unchanged export, recorded once per session


@pytest.fixture
def drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Drift:
    """A baseline that records our own export as the reconciled document."""
    d = Drift(tmp_path, capsys)
    if not _RECORDED:
        d.record(EXPORT)
        _RECORDED.append(d.baseline.read_text(encoding="utf-8"))
    d.baseline.write_text(_RECORDED[0], encoding="utf-8")
    return d


def _operations(doc: JSON) -> Iterator[tuple[str, str, JSON]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and method in ("get", "post", "put", "patch", "delete"):
                yield path, method, op


def _first(doc: JSON, wanted: Callable[[JSON], bool]) -> tuple[str, str, JSON]:
    for path, method, op in _operations(doc):
        if wanted(op):
            return path, method, op
    raise AssertionError("no operation in the export fits this test")


def _query_param(op: JSON) -> JSON | None:
    return next((p for p in op.get("parameters", []) if p.get("in") == "query"), None)


def _body_props(op: JSON) -> JSON:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    props = schema.get("schema", {}).get("properties")
    return props if isinstance(props, dict) else {}


def _inline_200(op: JSON) -> JSON:
    media = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
    schema = media.get("schema", {})
    return schema if isinstance(schema.get("properties"), dict) else {}


def _label(path: str, method: str) -> str:
    return f"{method.upper()} {path}"


def _component(doc: JSON) -> tuple[str, JSON]:
    """A component schema with plain properties (the resource most operations use)."""
    for name, schema in doc["components"]["schemas"].items():
        if isinstance(schema.get("properties"), dict) and len(schema["properties"]) > 2:
            return name, schema
    raise AssertionError("no component with properties")


# One change of each kind. Each returns the changed document and what must be reported NEW:
# (kind, operation, item, spec value, document value); None means "any value".
Expected = tuple[str, str, str, str | None, str | None]


def _removed_operation(doc: JSON) -> Expected:
    path, method, _ = _first(doc, lambda op: True)
    del doc["paths"][path][method]
    return ("operation", _label(path, method), "", "present", ABSENT)


def _added_operation(doc: JSON) -> Expected:
    doc["paths"]["/zz-new/{thing}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    return ("operation", "GET /zz-new/{thing}", "", ABSENT, "present")


def _auth_changed(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: op.get("security") == [{"bearerAuth": []}])
    op["security"] = [{}, {"bearerAuth": []}]
    return ("auth", _label(path, method), "", "required (bearerAuth)", "optional (bearerAuth)")


def _auth_dropped(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: op.get("security") == [{"bearerAuth": []}])
    op["security"] = []
    return ("auth", _label(path, method), "", "required (bearerAuth)", "none")


def _scheme_changed(doc: JSON) -> Expected:
    schemes = doc["components"]["securitySchemes"]
    name = next(iter(schemes))
    schemes[name] = {"type": "apiKey", "in": "cookie", "name": "session"}
    return ("security-scheme", "", name, None, "apiKey in=cookie name=session")


def _query_added(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: True)
    op.setdefault("parameters", []).append(
        {"name": "zz_flavour", "in": "query", "schema": {"type": "string"}}
    )
    return ("parameter", _label(path, method), "query zz_flavour", ABSENT, "present")


def _query_removed(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: _query_param(op) is not None)
    gone = _query_param(op)
    assert gone is not None
    op["parameters"].remove(gone)
    return ("parameter", _label(path, method), f"query {gone['name']}", "present", ABSENT)


def _param_attribute(attr: str, change: Callable[[JSON], None]) -> Callable[[JSON], Expected]:
    def mutate(doc: JSON) -> Expected:
        path, method, op = _first(doc, lambda op: _query_param(op) is not None)
        param = _query_param(op)
        assert param is not None
        change(param)
        return (f"parameter.{attr}", _label(path, method), f"query {param['name']}", None, None)

    return mutate


def _retype(schema: JSON) -> None:
    schema["type"] = "boolean" if schema.get("type") != "boolean" else "integer"
    for k in ("const", "enum", "pattern", "anyOf", "minimum", "maximum"):
        schema.pop(k, None)


def _param_retyped(p: JSON) -> None:
    p["schema"]["type"] = "boolean" if p["schema"].get("type") != "boolean" else "integer"


def _body_removed(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: "requestBody" in op)
    del op["requestBody"]
    return ("body", _label(path, method), "", None, ABSENT)


def _body_field_added(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: bool(_body_props(op)))
    _body_props(op)["zz_extra"] = {"type": "string"}
    return ("body.field", _label(path, method), "zz_extra", ABSENT, "present")


def _body_field_retyped(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: bool(_body_props(op)))
    name, schema = next(iter(_body_props(op).items()))
    _retype(schema)
    return ("body.type", _label(path, method), name, None, None)


def _body_field_required(doc: JSON) -> Expected:
    def optional_field(op: JSON) -> bool:
        required = op["requestBody"]["content"]["application/json"]["schema"].get("required", [])
        return any(name not in required for name in _body_props(op))

    path, method, op = _first(doc, lambda op: bool(_body_props(op)) and optional_field(op))
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    name = next(n for n in schema["properties"] if n not in schema.get("required", []))
    schema.setdefault("required", []).append(name)
    return ("body.required", _label(path, method), name, "false", "true")


def _status_added(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: "418" not in op["responses"])
    op["responses"]["418"] = {"description": "I'm a teapot"}
    return ("status", _label(path, method), "418", ABSENT, "present")


def _status_removed(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: "404" in op["responses"])
    del op["responses"]["404"]
    return ("status", _label(path, method), "404", "present", ABSENT)


def _response_field_added(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: bool(_inline_200(op)))
    _inline_200(op)["properties"]["zz_mystery"] = {"type": "string"}
    return ("response.field", _label(path, method), "200 zz_mystery", ABSENT, "present")


def _response_field_retyped(doc: JSON) -> Expected:
    path, method, op = _first(doc, lambda op: bool(_inline_200(op)))
    name, schema = next(iter(_inline_200(op)["properties"].items()))
    schema.clear()
    schema["type"] = "integer"
    return ("response.type", _label(path, method), f"200 {name}", None, "integer")


def _component_added(doc: JSON) -> Expected:
    doc["components"]["schemas"]["ZzWidget"] = {"type": "object", "properties": {"a": {}}}
    return ("component", "", "ZzWidget", ABSENT, "present")


def _component_field_removed(doc: JSON) -> Expected:
    name, schema = _component(doc)
    field = next(iter(schema["properties"]))
    del schema["properties"][field]
    return ("component.field", "", f"{name} {field}", "present", ABSENT)


def _component_field_retyped(doc: JSON) -> Expected:
    name, schema = _component(doc)
    field = next(iter(schema["properties"]))
    schema["properties"][field] = {"type": "array", "items": {"type": "string"}}
    return ("component.type", "", f"{name} {field}", None, "[string]")


def _set(key: str, value: Any) -> Callable[[JSON], None]:
    def change(p: JSON) -> None:
        p["schema"][key] = value

    return change


def _flip_required(p: JSON) -> None:
    p["required"] = not p.get("required", False)


CHANGES: dict[str, Callable[[JSON], Expected]] = {
    "an operation removed": _removed_operation,
    "an operation added": _added_operation,
    "auth from required to optional": _auth_changed,
    "auth from required to none": _auth_dropped,
    "the security scheme from bearer to cookie": _scheme_changed,
    "a query parameter added": _query_added,
    "a query parameter removed": _query_removed,
    "a parameter's type": _param_attribute("type", _param_retyped),
    "a parameter's required flag": _param_attribute("required", _flip_required),
    "a parameter's enum": _param_attribute("enum", _set("enum", ["zz1", "zz2"])),
    "a parameter's default": _param_attribute("default", _set("default", "zz")),
    "a parameter's limits": _param_attribute("limits", _set("maxLength", 3)),
    "a request body removed": _body_removed,
    "a body field added": _body_field_added,
    "a body field's type": _body_field_retyped,
    "a body field made required": _body_field_required,
    "a status added": _status_added,
    "a status removed": _status_removed,
    "a response field added": _response_field_added,
    "a response field's type": _response_field_retyped,
    "a component added": _component_added,
    "a component field removed": _component_field_removed,
    "a component field's type": _component_field_retyped,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_one_change_of_each_kind_is_new_and_nothing_else(drift: Drift, change: str) -> None:
    doc = copy.deepcopy(EXPORT)
    kind, operation, item, ours, theirs = CHANGES[change](doc)
    status, report = drift.run(doc)
    assert status == 1
    assert [(d["kind"], d["operation"], d["item"]) for d in report["new"]] == [
        (kind, operation, item)
    ]
    (new,) = report["new"]
    assert new["spec"] != new["document"]
    if ours is not None:
        assert new["spec"] == ours
    if theirs is not None:
        assert new["document"] == theirs
    assert report["stale"] == []


def test_a_changed_method_is_one_operation_gone_and_one_new(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    path, method, _ = _first(doc, lambda op: True)
    other = next(m for m in ("patch", "put", "delete", "post") if m not in doc["paths"][path])
    doc["paths"][path][other] = doc["paths"][path].pop(method)
    status, report = drift.run(doc)
    assert status == 1
    assert {(d["operation"], d["spec"], d["document"]) for d in report["new"]} == {
        (_label(path, method), "present", ABSENT),
        (_label(path, other), ABSENT, "present"),
    }


def test_parameter_names_are_folded(drift: Drift) -> None:
    """``/tracks/{id}`` and ``/tracks/{track_id}`` are one operation: a renamed path
    parameter is no change (the docs spell them differently from page to page)."""
    doc = copy.deepcopy(EXPORT)
    path = next(p for p in doc["paths"] if "{" in p)
    item = doc["paths"].pop(path)
    renamed = path.replace("{", "{zz_")
    for op in item.values():
        for p in op.get("parameters", []):
            if p["in"] == "path":
                p["name"] = "zz_" + p["name"]
    doc["paths"][renamed] = item
    status, report = drift.run(doc)
    assert (status, report["new"], report["stale"]) == (0, [], [])


def test_openapi_30_spellings_of_the_same_types_are_no_change(drift: Drift) -> None:
    """3.0's ``nullable`` and a ``const`` written as a one-value enum read like 3.1's forms."""
    text = json.dumps(EXPORT).replace('["string", "null"]', '"string", "nullable": true')
    doc = json.loads(text.replace('{"const": "success"}', '{"enum": ["success"]}'))
    assert doc != EXPORT
    status, report = drift.run(doc)
    assert (status, report["new"]) == (0, [])


def test_the_reconciled_document_exits_0(drift: Drift) -> None:
    status, lines = drift.text(EXPORT)
    assert status == 0
    assert lines == [
        "drift: 0 new, 0 stale, 0 acknowledged differences against the reconciled document "
        f"(baseline of 2026-01-02, sha256 {load_baseline(drift.baseline).sha256[:12]}...)"
    ]


def test_acknowledged_differences_exit_0_and_are_listed_on_request(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    kind, operation, item, _, _ = _status_added(doc)
    assert "1 acknowledged differences, 1 of them unreviewed" in drift.record(doc)
    status, lines = drift.text(doc)
    assert status == 0
    assert lines[0].startswith("drift: 0 new, 0 stale, 1 acknowledged")
    assert lines[0].endswith("; 1 acknowledgements still unreviewed")
    status, lines = drift.text(doc, "--acknowledged")
    assert status == 0
    assert lines[0] == f"ack    {kind:<18} {operation} {item}: only in the document  [{UNREVIEWED}]"


def test_a_stale_acknowledgement_is_reported(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    _, operation, _, _, _ = _status_added(doc)
    drift.record(doc)
    status, report = drift.run(EXPORT)  # the 418 is gone again: its acknowledgement is stale
    assert status == 1
    assert report["new"] == []
    assert [(s["kind"], s["operation"], s["item"]) for s in report["stale"]] == [
        ("status", operation, "418")
    ]
    status, lines = drift.text(EXPORT)
    assert lines[0].startswith(f"STALE  status             {operation} 418: acknowledged")
    assert "but no longer differs (baseline line " in lines[0]


def test_an_acknowledged_difference_with_a_new_value_is_new(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    _component_field_retyped(doc)  # the document says [string]; acknowledged
    drift.record(doc)
    name, schema = _component(doc)
    field = next(iter(schema["properties"]))
    schema["properties"][field] = {"type": "boolean"}  # and now it says boolean
    status, report = drift.run(doc)
    assert status == 1
    (new,) = report["new"]
    assert (new["item"], new["document"]) == (f"{name} {field}", "boolean")
    assert new["acknowledged_as"]["document"] == "[string]"
    assert report["stale"] == []


def test_new_lines_come_first_one_per_difference(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    acknowledged = _component_added(doc)
    drift.record(doc)
    _status_added(doc)
    _added_operation(doc)
    status, lines = drift.text(doc, "--acknowledged")
    assert status == 1
    assert [line.split()[0] for line in lines[:-1]] == ["NEW", "NEW", "ack"]
    assert acknowledged[2] in lines[2]
    assert lines[-1].startswith("drift: 2 new, 0 stale, 1 acknowledged differences")


def test_json_has_the_same_content_as_the_text(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    _status_added(doc)
    _query_added(doc)
    status, report = drift.run(doc)
    text_status, lines = drift.text(doc)
    assert status == text_status == report["status"] == 1
    assert len(report["new"]) == len(lines) - 1 == 2
    for entry, line in zip(report["new"], lines, strict=False):
        assert f"{entry['operation']} {entry['item']}: {entry['detail']}" in line
    assert report["summary"] == lines[-1]


def test_update_baseline_keeps_reasons_and_marks_new_ones(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    _status_added(doc)
    drift.record(doc)
    drift.explain("the docs list a teapot")
    _component_added(doc)
    assert "2 acknowledged differences, 1 of them unreviewed" in drift.record(doc)
    whys = {a.difference.kind: a.why for a in load_baseline(drift.baseline).acknowledged}
    assert whys == {"status": "the docs list a teapot", "component": UNREVIEWED}


def test_a_document_with_other_bytes_but_the_same_facts_passes_and_says_so(
    drift: Drift,
) -> None:
    status, report = drift.run({**EXPORT, "info": {"title": "BeatPass API", "version": "9"}})
    assert status == 0
    assert report["document"]["same_as_baseline"] is False
    assert "a document other than the reconciled one" in report["summary"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "is not a JSON OpenAPI document"),
        ('{"openapi": "3.0.0"}', "no 'paths'"),
        ("[1, 2]", "no 'paths'"),
    ],
)
def test_bad_input_is_one_clear_line(
    drift: Drift, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = str(drift.dir / "missing.json") if content is None else drift.write(content)
    assert main(["drift", "--openapi", path, "--baseline", str(drift.baseline)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert err[0].startswith("beatpass-contract drift: error:")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("acknowledged:", "acknowledgd:"), ": acknowledgd: unknown key"),
        (("sha256: ", "sha256: x"), "sha256: must be a sha256"),
        ("a bad kind", "did you mean 'status'?"),
        ("a twice-named difference", "acknowledged twice (first at line"),
    ],
)
def test_a_broken_baseline_is_one_line_naming_file_line_and_key(
    drift: Drift,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str] | str,
    message: str,
) -> None:
    doc = copy.deepcopy(EXPORT)
    _status_added(doc)
    drift.record(doc)
    text = drift.baseline.read_text(encoding="utf-8")
    if change == "a bad kind":
        text = text.replace("{kind: status", "{kind: statuss")
    elif change == "a twice-named difference":
        line = text.splitlines()[-1]
        text += line + "\n"
    else:
        assert isinstance(change, tuple)
        text = text.replace(*change, 1)
    drift.baseline.write_text(text, encoding="utf-8")
    assert main(["drift", "--openapi", drift.write(doc), "--baseline", str(drift.baseline)]) == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert err.startswith(f"beatpass-contract drift: error: {drift.baseline}:")
    assert message in err


def test_a_missing_baseline_says_how_to_record_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.json"
    doc.write_text(json.dumps(EXPORT), encoding="utf-8")
    missing = tmp_path / "none.yaml"
    assert main(["drift", "--openapi", str(doc), "--baseline", str(missing)]) == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert err.endswith("record one with --update-baseline")


# The shipped baseline: the published document itself is not here (users will not have it),
# but every acknowledgement can be checked against what the spec says today.


def test_the_shipped_baseline_agrees_with_the_spec_on_the_spec_side() -> None:
    """Each acknowledged difference records the spec's value; the spec must still say it. A
    spec change that invalidates an acknowledgement fails here before drift ever runs."""
    from spec._drift_facts import route_key

    baseline = load_baseline(default_path(None))
    ours = facts(EXPORT)
    assert baseline.acknowledged
    for ack in baseline.acknowledged:
        n = ack.difference
        method, _, path = n.operation.partition(" ")
        key = (n.kind, route_key(method, path) if n.operation else "", n.item)
        fact = ours.get(key)
        assert (fact.value if fact else ABSENT) == n.spec, f"line {ack.line}: {n}"


def test_the_shipped_baseline_gives_a_reason_for_every_difference() -> None:
    """Nothing is left as --update-baseline wrote it; what the spec cannot explain is marked so
    plainly, and counted in every report."""
    baseline = load_baseline(default_path(None))
    assert baseline.unreviewed == 0
    assert all(len(a.why) > 20 for a in baseline.acknowledged)
    unexplained = [a for a in baseline.acknowledged if a.why.startswith("unexplained")]
    assert len(unexplained) == baseline.unexplained
    assert all("review" in a.why for a in unexplained)


def test_unexplained_acknowledgements_are_counted_in_the_summary(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    _status_added(doc)
    drift.record(doc)
    drift.explain("unexplained: nobody knows")
    status, lines = drift.text(doc)
    assert status == 0
    assert lines[-1].endswith(
        "1 acknowledged differences against the reconciled document "
        f"(baseline of 2026-01-02, sha256 {load_baseline(drift.baseline).sha256[:12]}...)"
        "; 1 of the baseline's acknowledgements say unexplained"
    )


def test_acknowledgements_inside_a_vanished_operation_are_not_stale_as_well(drift: Drift) -> None:
    """One NEW line says the operation is gone; its acknowledged statuses do not repeat it."""
    doc = copy.deepcopy(EXPORT)
    operation = _status_added(doc)[1]
    drift.record(doc)
    method, path = operation.split(" ")
    del doc["paths"][path][method.lower()]
    status, report = drift.run(doc)
    assert status == 1
    assert [(d["kind"], d["operation"]) for d in report["new"]] == [("operation", operation)]
    assert report["stale"] == []


def test_the_readme_baseline_example_is_in_the_shipped_baseline() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Has the published documentation changed?")[1].split("\n## ")[0]
    example = section.split("```yaml\n")[1].split("```")[0].splitlines()
    shipped = default_path(None).read_text(encoding="utf-8").splitlines()
    assert example[2] in shipped  # the why
    assert shipped[shipped.index(example[2]) + 2] == example[4]  # and the difference under it


def test_the_sample_workflow_runs_drift_on_a_schedule_and_fails_on_a_change() -> None:
    import yaml

    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "docs-drift.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert "schedule" in triggers
    assert "pull_request" not in triggers
    steps = workflow["jobs"]["drift"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "curl --fail" in runs  # an error page is never compared as if it were the document
    assert "beatpass-contract drift --openapi openapi.json" in runs
    assert 'exit "${status:-0}"' in runs  # drift's own exit status decides the job


# Defective documents: the published one has defects (a response object used as a schema, a
# string typed boolean); others may be worse. drift answers, it never crashes or hangs.

_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _nodes(doc: Any, trail: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield trail
    children = doc.items() if isinstance(doc, dict) else ()
    for key, child in children:
        yield from _nodes(child, (*trail, key))


_SMALL: JSON = {**EXPORT, "paths": dict(list(EXPORT["paths"].items())[:15])}
_TRAILS = [t for t in _nodes(_SMALL) if len(t) > 1 and t[0] in ("paths", "components")]
# (list positions are kept out of the trails: a mapping's key is always there to replace)


def _replace(doc: Any, trail: tuple[Any, ...], junk: Any) -> None:
    """Put ``junk`` where ``trail`` leads, if an earlier replacement left the way there."""
    *way, last = trail
    for key in way:
        doc = doc.get(key) if isinstance(doc, dict) else None
    if isinstance(doc, dict):
        doc[last] = junk


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(picks=st.lists(st.tuples(st.sampled_from(_TRAILS), _JUNK), min_size=1, max_size=4))
def test_a_document_broken_anywhere_is_compared_without_a_crash(
    picks: list[tuple[tuple[Any, ...], Any]],
) -> None:
    doc = copy.deepcopy(_SMALL)
    for trail, junk in picks:
        _replace(doc, trail, junk)
    found = differences(_SMALL, doc)  # raises nothing
    assert all(n.spec != n.document for n in found)
    assert classify(found, Baseline("", "0" * 64, "2026-01-01", ()), "0" * 64).status in (0, 1)


def test_a_document_that_explodes_through_refs_is_refused_in_one_line(
    drift: Drift, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ten-way anyOf through twenty local $refs: 10^20 paths in a 2 kB file."""
    levels: JSON = {"L0": {"type": "string"}}
    for k in range(1, 21):
        levels[f"L{k}"] = {"anyOf": [{"$ref": f"#/x/L{k - 1}"}] * 10}
    media = {"application/json": {"schema": {"$ref": "#/x/L20"}}}
    get = {"responses": {"200": {"description": "ok", "content": media}}}
    doc = {"openapi": "3.0.0", "paths": {"/a": {"get": get}}, "x": levels}
    argv = ["drift", "--openapi", drift.write(doc), "--baseline", str(drift.baseline)]
    assert main(argv) == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert err.endswith("the document is too complex to compare (more than 200,000 schema nodes)")


def test_update_baseline_does_not_carry_a_reason_over_to_a_changed_value(drift: Drift) -> None:
    doc = copy.deepcopy(EXPORT)
    _component_field_retyped(doc)
    drift.record(doc)
    drift.explain("the docs type it [string]")
    schema = _component(doc)[1]
    schema["properties"][next(iter(schema["properties"]))] = {"type": "boolean"}
    assert "1 acknowledged differences, 1 of them unreviewed" in drift.record(doc)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--update-baseline", "--date", "21/02/2026"), "--date '21/02/2026' is not a date"),
        (("--baseline", "/nonexistent-dir/b.yaml", "--update-baseline"), "cannot write"),
    ],
)
def test_update_baseline_refuses_bad_arguments_in_one_line(
    drift: Drift, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    before = drift.baseline.read_text(encoding="utf-8")
    argv = ["drift", "--openapi", drift.write(EXPORT), "--baseline", str(drift.baseline)]
    assert main([*argv, *extra]) == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert message in err
    assert drift.baseline.read_text(encoding="utf-8") == before  # nothing half-written


def test_an_oversized_document_is_refused_before_it_is_read(
    drift: Drift, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from contract_tests import _cli

    monkeypatch.setattr(_cli, "MAX_DOCUMENT_BYTES", 1 << 20)
    path = drift.write({"paths": {}, "padding": "x" * (2 << 20)})
    assert main(["drift", "--openapi", path, "--baseline", str(drift.baseline)]) == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert err.endswith("is larger than 1 MiB: not an API description")
