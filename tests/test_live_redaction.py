"""The live side's own redaction and allow-list, pinned by themselves (not through the mock):
every spelling of a token is masked, and only documented reads are admitted."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import pytest

from contract_tests._paths import ReadPaths, unsafe_segment
from contract_tests._redaction import MASK, redact, redact_bytes, spellings
from tests.live_helpers import API

TOKEN = "bp/live+SECRET token_5a9c2e=="


@pytest.mark.parametrize(
    "form",
    [
        TOKEN,
        quote(TOKEN, safe=""),
        re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(TOKEN, safe="")),
        json.dumps(TOKEN)[1:-1].replace("/", "\\/"),
        base64.b64encode(TOKEN.encode()).decode(),
        base64.urlsafe_b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"user:{TOKEN}".encode()).decode(),  # a Basic credential
        base64.b64encode(f"ab{TOKEN}cd".encode()).decode(),  # inside a longer string
        base64.b64encode(f"Bearer {TOKEN}".encode()).decode(),
    ],
)
def test_every_spelling_of_the_token_is_masked(form: str) -> None:
    text = f"observed: {form} (end)"
    clean = redact(text, (TOKEN,))
    assert MASK in clean
    # No run of 8 characters of the form survives (what is left are its edges at most).
    assert not any(form[i : i + 8] in clean for i in range(len(form) - 8)), clean
    assert redact_bytes(text.encode(), (TOKEN,)) == clean.encode()


def test_credential_shapes_are_masked_without_knowing_the_secret() -> None:
    text = "Authorization: Bearer abc.def and ?access_token=xyz&page=2"
    assert redact(text) == "Authorization: Bearer *** and ?access_token=***&page=2"


def test_short_base64_cores_are_not_masked() -> None:
    """A 4-character secret would mask innocent base64 everywhere: its raw form only."""
    assert "YWJjZA" not in spellings("abcd")
    assert redact("YWJjZA== abcd", ("abcd",)) == f"YWJjZA== {MASK}"


READS = ReadPaths(API.operations.values(), "/api/v1")


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/api/v1/tracks/7", "tracks.show"),
        ("/api/v1/users/me/playlists", "users.me.playlists.list"),
        ("/api/v1/genres", "genres.list"),
        ("/api/v1/tracks", "tracks.list"),
        ("/api/v1/users/5/playlists", "users.playlists.list"),
    ],
)
def test_documented_reads_are_admitted(path: str, operation: str) -> None:
    found = READS.match(path)
    assert found is not None
    assert found.id == operation


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/admin/users",
        "/api/v2/genres",
        "/api/v1/tracks/7/secret",
        "/api/v1/tracks/..",
        "/api/v1/tracks/",
        "/api/v1/genres/a%2Fb",
    ],
)
def test_undocumented_paths_and_unsafe_values_are_refused(path: str) -> None:
    assert READS.match(path) is None


def test_writes_are_not_in_the_allow_list() -> None:
    writes = [op for op in API.operations.values() if not op.read_only]
    assert writes
    reads = {op.id for op in API.operations.values() if op.read_only and op.method == "GET"}
    for op in writes:
        found = READS.match("/api/v1" + op.path.replace("{", "").replace("}", ""))
        assert found is None or found.id in reads


@pytest.mark.parametrize("value", [".", "..", "", "a/b", "a\\b", "%2e", "a b", "a\u200bb", "x\n"])
def test_unsafe_segments(value: str) -> None:
    assert unsafe_segment(value) is not None


@pytest.mark.parametrize("value", ["7", "my-beat", "abc_DEF.1", "..x", "ü"])
def test_safe_segments(value: str) -> None:
    assert unsafe_segment(value) is None
