"""Why a valid request may be refused: the rules ``positive_data_acceptance`` can evaluate.

A valid request whose ids the target holds must succeed, unless one of these rules explains the
refusal. Each rule looks at what the request names and asks the target, never the refusal's own
message: an API that answers "Not found." to everything explains nothing. A rule reads either
documented operations (a follow status, a purchase status, the token allowance: usable live, each
read counts against the budget) or, offline, the mock's documented ownership (the rule its 403s
use). A rule that cannot be evaluated (no facts, the read failed) explains nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote

from spec import Operation, Spec

from ._exchange import Exchange
from ._requests import ID_FIELDS, ID_LIST_FIELDS

Reader = Callable[..., Any]
"""``read(op_id, path, tier="token")``: the JSON body of a documented read that succeeded,
else None."""

BODY_IDS = {**ID_FIELDS, "spotify_album_id": "Album"}
"""Body fields that hold the id of another record (the request "names" it); the mock's
catalogue stands in for Spotify, so a Spotify album id is the text of an album's id."""
BODY_ID_LISTS = ID_LIST_FIELDS


class Facts(Protocol):
    """What a target knows about its records beyond its answers (offline: the mock's store)."""

    caller: int | None
    rate_limited: bool
    """Whether the target enforces rate limits (then a 429 may be one)."""

    def held(self, resource: str, key: Any) -> bool | None:
        """Whether the record exists (None: cannot tell)."""

    def owners(self, resource: str, key: Any) -> set[Any] | None:
        """Who owns the record (None: nobody, or cannot tell)."""

    def public(self, resource: str, key: Any) -> bool | None:
        """Whether anyone may read the record (None: cannot tell)."""

    def matching(self, resource: str, **fields: Any) -> list[dict[str, Any]] | None:
        """The records whose fields have these values (None: cannot tell)."""

    def version(self) -> Hashable:
        """A value that changes whenever the records may have, however they were changed (a
        write through another client, a record edited in place)."""


@dataclass(frozen=True)
class Named:
    """A record the request names, in its path or its body."""

    resource: str
    key: Any
    where: str  # "path" or "body"


def named(op: Operation, ex: Exchange) -> list[Named]:
    """The records a request names: path parameters with a resource, id fields of its body."""
    found: list[Named] = []
    values = path_values(op, ex.request.url.path)
    for p in op.path_params:
        resource = p.resource
        if resource is None and p.resource_from is not None:  # /radio/{type}/{id}
            resource = dict(p.resource_by).get(values.get(p.resource_from, ""))
        if resource is not None and p.name in values:
            found.append(Named(resource, _key(values[p.name]), "path"))
    for p in op.query_params:  # a query id that names a record (?album_id=)
        raw = ex.query.get(p.name)
        if p.resource is not None and raw is not None:
            found.append(Named(p.resource, _key(raw), "query"))
    body = request_json(ex)
    if isinstance(body, Mapping):
        for field, resource in BODY_IDS.items():
            value = body.get(field)
            if isinstance(value, (int, str)) and not isinstance(value, bool):
                found.append(Named(resource, value, "body"))
        for field, resource in BODY_ID_LISTS.items():
            listed = body.get(field)
            if isinstance(listed, list):
                found.extend(Named(resource, v, "body") for v in listed if isinstance(v, int))
    return found


def path_values(op: Operation, url_path: str) -> dict[str, str]:
    """The values a request path gives the template's parameters (matched from the right, so
    any base path in front does not matter)."""
    template = op.path.strip("/").split("/")
    sent = url_path.strip("/").split("/")[-len(template) :]
    if len(sent) != len(template):
        return {}
    pairs = zip(template, sent, strict=True)
    return {t[1:-1]: unquote(s) for t, s in pairs if t.startswith("{") and t.endswith("}")}


def request_json(ex: Exchange) -> Any:
    try:
        return json.loads(ex.request.content) if ex.request.content else None
    except (ValueError, UnicodeDecodeError):
        return None


def _key(text: str) -> Any:
    return int(text) if text.isdigit() else text


@dataclass
class Evidence:
    """What one rule evaluation may consult."""

    spec: Spec
    ex: Exchange
    facts: Facts | None
    read: Reader | None

    @property
    def op(self) -> Operation:
        return self.ex.op

    def records(self) -> list[Named]:
        return named(self.op, self.ex)

    @property
    def caller(self) -> int | None:
        """Who sent the request: nobody in the public tier, else the target's token holder."""
        return None if self.ex.tier == "public" or self.facts is None else self.facts.caller

    def get(self, op_id: str, path: str) -> Any:
        return self.read(op_id, path) if self.read is not None else None

    def track(self) -> Any:
        return next((n.key for n in self.records() if n.resource == "Track"), None)


Explanation = Callable[[Evidence], "str | None"]


@dataclass(frozen=True)
class Rule:
    name: str
    statuses: frozenset[int]
    explain: Explanation
    operations: frozenset[str] = frozenset()
    """The operations the rule governs (empty: any operation naming the records it reads)."""


RULES: list[Rule] = []


def rule(
    name: str, statuses: set[int], operations: frozenset[str] | set[str] = frozenset()
) -> Callable[[Explanation], Explanation]:
    """Register an explanation for refusals with ``statuses`` (of ``operations`` only)."""

    def register(func: Explanation) -> Explanation:
        RULES.append(Rule(name, frozenset(statuses), func, frozenset(operations)))
        return func

    return register


def explain(spec: Spec, ex: Exchange, facts: Facts | None, read: Reader | None) -> str | None:
    """The first rule that explains this refusal, as ``"rule: why"`` (None: unexplained)."""
    evidence = Evidence(spec, ex, facts, read)
    for r in RULES:
        if ex.status not in r.statuses or (r.operations and ex.op.id not in r.operations):
            continue
        why = r.explain(evidence)
        if why:
            return f"{r.name}: {why}"
    return None


def _governing(e: Evidence) -> Iterator[Named]:
    """The records whose owner decides: those of the path, else those of the body."""
    records = e.records()
    path = [n for n in records if n.where == "path"]
    yield from path or records


# -- the rules --------------------------------------------------------------------------------


@rule("rate_limited", {429})
def _rate_limited(e: Evidence) -> str | None:
    """A target that enforces rate limits (live: always assumed) may answer 429 with the
    documented Retry-After; a mock without rate limits may not."""
    if e.facts is not None and not e.facts.rate_limited:
        return None
    raw = e.ex.header("retry-after") or ""
    return f"rate limited (Retry-After: {raw})" if raw.strip().isdigit() else None


@rule("named_record_missing", {404, 422})
def _missing(e: Evidence) -> str | None:
    if e.facts is None:
        return None
    for n in e.records():
        if e.facts.held(n.resource, n.key) is False:
            return f"{n.resource} {n.key!r} (request {n.where}) is not held"
    return None


@rule("not_the_owner", {403, 404, 422})
def _not_owner(e: Evidence) -> str | None:
    """Another user's record (updates, deletes, owner-only reads, private records): 403, or
    404 where the API hides that the record exists, 422 for a body id that must be the caller's."""
    if e.facts is None:
        return None
    own = set(e.spec.rule("operations.refuse_own_record"))
    if e.op.id in own:
        return None  # these refuse the caller's own record instead
    # A public catalogue read (auth optional) is refused only for a private record.
    catalogue = e.op.read_only and "public" in e.op.tiers
    for n in _governing(e):
        if catalogue and e.facts.public(n.resource, n.key) is not False:
            continue
        owners = e.facts.owners(n.resource, n.key)
        if owners is not None and e.caller not in owners:
            who = "anonymous" if e.caller is None else f"user {e.caller}"
            return f"{n.resource} {n.key!r} belongs to {sorted(owners)}, the caller is {who}"
    return None


def _own_record(e: Evidence) -> str | None:
    status = e.spec.rule("operations.refuse_own_record").get(e.op.id)
    if status != e.ex.status or e.facts is None or e.caller is None:
        return None
    for n in e.records():
        if n.resource == "User" and n.key == e.caller:
            return f"user {n.key} is the caller"
        if e.caller in (e.facts.owners(n.resource, n.key) or ()):
            return f"{n.resource} {n.key!r} is the caller's own"
    return None


rule("own_record", {400, 403, 422})(_own_record)


def _follow_status(kind: str, following: bool) -> Explanation:
    def evaluate(e: Evidence) -> str | None:
        key = path_values(e.op, e.ex.request.url.path).get("id")
        body = e.get(f"{kind}.follow_status.show", f"/{kind}/{key}/follow-status")
        if isinstance(body, Mapping) and body.get("following") is following:
            return f"{kind}.follow_status.show says following={following}"
        return None

    return evaluate


for _kind in ("users", "artists"):
    rule("already_following", {409}, {f"{_kind}.follow"})(_follow_status(_kind, True))
    rule("not_following", {404}, {f"{_kind}.unfollow"})(_follow_status(_kind, False))


def _purchased(e: Evidence) -> bool | None:
    track = e.track()
    body = e.get("tracks.purchase.status.show", f"/tracks/{track}/purchase/status")
    if not isinstance(body, Mapping):
        return None
    if "purchased" in body:
        return bool(body["purchased"])
    data = body.get("data")
    return bool(data.get("has_purchased")) if isinstance(data, Mapping) else None


@rule("already_purchased", {409, 422}, {"tracks.purchase.initiate"})
def _already_purchased(e: Evidence) -> str | None:
    return "tracks.purchase.status.show says purchased" if _purchased(e) else None


@rule("not_purchased", {403}, {"tracks.generate_license", "tracks.license_certificate.show"})
def _not_purchased(e: Evidence) -> str | None:
    return "tracks.purchase.status.show says not purchased" if _purchased(e) is False else None


@rule("track_sold", {409, 410}, {"tracks.purchase.initiate"})
def _sold(e: Evidence) -> str | None:
    body = e.get("tracks.show", f"/tracks/{e.track()}")
    track = body.get("track") if isinstance(body, Mapping) else None
    if isinstance(track, Mapping) and track.get("exclusive_status") == "sold":
        return f"track {e.track()} has exclusive_status sold"
    return None


def _beat_request(e: Evidence) -> tuple[float, str] | None:
    """Seconds since the named beat request expired (negative: still active), and its id."""
    key = path_values(e.op, e.ex.request.url.path).get("id")
    body = e.get("beat_requests.show", f"/beat-requests/{key}")
    data = body.get("data") if isinstance(body, Mapping) else None
    raw = data.get("expires_at") if isinstance(data, Mapping) else None
    if not isinstance(raw, str):
        return None
    try:
        expires = datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
    return e.ex.now - expires, str(key)


@rule("request_expired", {410}, {"beat_requests.fulfill", "beat_requests.renew"})
def _expired(e: Evidence) -> str | None:
    found = _beat_request(e)
    if found is None or found[0] < 0:
        return None
    window = e.spec.rule("beat_requests.renewal_window_days") * 86400
    if e.op.id == "beat_requests.renew" and found[0] <= window:
        return None  # within the renewal window a renewal must succeed
    return f"beat request {found[1]} expired {found[0]:.0f} s ago"


@rule("request_still_active", {409}, {"beat_requests.renew"})
def _active(e: Evidence) -> str | None:
    found = _beat_request(e)
    return f"beat request {found[1]} has not expired" if found and found[0] < 0 else None


@rule("no_tokens_left", {429}, {"beat_requests.create", "beat_requests.renew"})
def _allowance(e: Evidence) -> str | None:
    path = "/beat-requests/user/rate-limit-status"
    body = e.get("beat_requests.user.rate_limit_status.show", path)
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(data.get("tokens_remaining"), int):
        return None
    sent = request_json(e.ex)
    hours = sent.get("duration_hours") if isinstance(sent, Mapping) else None
    tiers = {t["hours"]: t["tokens"] for t in e.spec.rule("beat_requests.duration_tiers")}
    cost = tiers.get(hours, min(tiers.values()))
    left = data["tokens_remaining"]
    return f"{cost} tokens needed, {left} left" if left < cost else None


def _listed(e: Evidence, op_id: str, path: str, key: str) -> set[Any] | None:
    """The ids a documented list holds (its first 100 items), None when the read fails."""
    body = e.get(op_id, f"{path}?perPage=100&per_page=100")
    page = body.get(key) if isinstance(body, Mapping) else None
    items = page.get("data") if isinstance(page, Mapping) else page
    if not isinstance(items, list):
        return None
    return {i.get("id") for i in items if isinstance(i, Mapping)}


def _sent_ids(e: Evidence, field: str) -> list[Any]:
    sent = request_json(e.ex)
    value = sent.get(field) if isinstance(sent, Mapping) else None
    return value if isinstance(value, list) else [value] if value is not None else []


def _playlist_tracks(present: bool) -> Explanation:
    def evaluate(e: Evidence) -> str | None:
        key = path_values(e.op, e.ex.request.url.path).get("id")
        listed = _listed(e, "playlists.tracks.list", f"/playlists/{key}/tracks", "pagination")
        if listed is None:
            return None
        hits = [i for i in _sent_ids(e, "ids") if (i in listed) is present]
        where = "already in" if present else "not in"
        return f"tracks {hits} are {where} playlist {key}" if hits else None

    return evaluate


rule("already_in_playlist", {409}, {"playlists.tracks.add"})(_playlist_tracks(True))
rule("not_in_playlist", {404, 422}, {"playlists.tracks.remove"})(_playlist_tracks(False))


def _library(present: bool) -> Explanation:
    def evaluate(e: Evidence) -> str | None:
        listed = _listed(e, "users.me.liked_tracks.list", "/users/me/liked-tracks", "pagination")
        if listed is None:
            return None
        hits = [i for i in _sent_ids(e, "track_id") if (i in listed) is present]
        where = "already" if present else "not"
        return f"track {hits[0]} is {where} in the library" if hits else None

    return evaluate


rule("already_in_library", {409}, {"users.me.add_to_library"})(_library(True))
rule("not_in_library", {404}, {"users.me.remove_from_library"})(_library(False))


@rule("no_licence", {404}, {"tracks.license_certificate.show", "tracks.download_license_pdf"})
def _no_licence(e: Evidence) -> str | None:
    body = e.get("tracks.check_license", f"/tracks/{e.track()}/check-license")
    if isinstance(body, Mapping) and body.get("has_license") is False:
        return "tracks.check_license says the caller holds no licence"
    return None


@rule("not_for_sale", {400}, {"tracks.purchase.initiate"})
def _not_for_sale(e: Evidence) -> str | None:
    body = e.get("tracks.show", f"/tracks/{e.track()}")
    track = body.get("track") if isinstance(body, Mapping) else None
    if isinstance(track, Mapping) and track.get("licensing_type") == "free":
        return f"track {e.track()} is free (licensing_type free)"
    return None


@rule("not_pinned", {404}, {"artists.tracks.unpin"})
def _not_pinned(e: Evidence) -> str | None:
    values = path_values(e.op, e.ex.request.url.path)
    body = e.get("artists.pinned_track.show", f"/artists/{values.get('artistId')}/pinned-track")
    if not isinstance(body, Mapping) or "track" not in body:
        return None
    pinned = body["track"].get("id") if isinstance(body["track"], Mapping) else None
    track = _key(values.get("trackId", ""))
    return f"artists.pinned_track.show pins {pinned}, not {track}" if pinned != track else None


def _lyrics(present: bool) -> Explanation:
    def evaluate(e: Evidence) -> str | None:
        found = e.facts.matching("Lyric", track_id=e.track()) if e.facts is not None else None
        if found is None or bool(found) is not present:
            return None
        return f"track {e.track()} {'has' if present else 'has no'} lyrics"

    return evaluate


rule("no_lyrics", {404}, {"tracks.lyrics.show"})(_lyrics(False))
rule("has_lyrics", {409, 422}, {"lyrics.create"})(_lyrics(True))


@rule("duplicate_upload", {409}, {"tracks.create"})
def _duplicate_upload(e: Evidence) -> str | None:
    """Offline: a stored track sounds the same (``tracks.duplicate_match``: the fields the mock
    compares in place of audio)."""
    sent = request_json(e.ex)
    tracks = e.facts.matching("Track") if e.facts is not None else None
    if not isinstance(sent, Mapping) or tracks is None:
        return None
    fields = e.spec.rule("tracks.duplicate_match")
    same = [
        t["id"]
        for t in tracks
        if all(str(t.get(k)).casefold() == str(sent.get(k)).casefold() for k in fields)
    ]
    return f"track {same[0]} sounds the same" if same else None


def _submitted(e: Evidence) -> list[Mapping[str, Any]] | None:
    """The caller's submissions to the beat request the path names, as the documented
    ``beat_requests.user.my_tracks.list`` reads them (None when the read fails)."""
    key = path_values(e.op, e.ex.request.url.path).get("id")
    body = e.get("beat_requests.user.my_tracks.list", "/beat-requests/user/my-tracks")
    items = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        return None
    return [s for s in items if isinstance(s, Mapping) and str(s.get("beat_request_id")) == key]


@rule("already_submitted", {409}, {"beat_requests.fulfill"})
def _already_submitted(e: Evidence) -> str | None:
    mine, track = _submitted(e), _sent_ids(e, "track_id")
    if mine is None or not track or not any(s.get("track_id") == track[0] for s in mine):
        return None
    return f"beat_requests.user.my_tracks.list holds track {track[0]} for this request"


@rule("submission_limit", {422}, {"beat_requests.fulfill"})
def _submission_limit(e: Evidence) -> str | None:
    mine, limit = _submitted(e), e.spec.rule("beat_requests.max_submissions_per_producer")
    if mine is None or len(mine) < limit:
        return None
    return f"the caller has submitted {len(mine)} tracks to this request (at most {limit})"


def _playlist_members(e: Evidence) -> tuple[dict[Any, Any], list[Any]] | None:
    """Offline: whom the playlist the path names has invited, and its editors (the mock's
    store; no documented read lists them, but the caller sent those invitations)."""
    key = _key(path_values(e.op, e.ex.request.url.path).get("id", ""))
    found = e.facts.matching("Playlist", id=key) if e.facts is not None else None
    if not found:
        return None
    return dict(found[0].get("_invites") or {}), list(found[0].get("_editors") or [])


@rule("already_invited", {409}, {"playlists.invite"})
def _already_invited(e: Evidence) -> str | None:
    members, user = _playlist_members(e), _sent_ids(e, "user_id")
    if members is None or not user or (user[0] not in members[0] and user[0] not in members[1]):
        return None
    return f"user {user[0]} is already invited to or an editor of this playlist"


@rule("editors_full", {429}, {"playlists.invite"})
def _editors_full(e: Evidence) -> str | None:
    members, limit = _playlist_members(e), e.spec.rule("playlists.max_editors")
    if members is None or len(members[0]) + len(members[1]) < limit:
        return None
    return f"the playlist has {limit} editors and invitations (playlists.max_editors)"


@rule("email_taken", {422}, {"auth.register"})
def _email_taken(e: Evidence) -> str | None:
    """Offline: a user already has the email sent (registered earlier in the run, or a seeded
    user's, by the spec rule ``auth.seeded_email``), compared without case as sign-in does."""
    sent = request_json(e.ex)
    email = sent.get("email") if isinstance(sent, Mapping) else None
    users = e.facts.matching("User") if e.facts is not None else None
    if not isinstance(email, str) or users is None:
        return None
    wanted, seeded = email.strip().casefold(), str(e.spec.rule("auth.seeded_email"))
    for user in users:
        registered = user.get("_email")
        have = registered if isinstance(registered, str) else seeded.format(id=user.get("id"))
        if have.casefold() == wanted:
            return f"user {user.get('id')} already has the email {email!r}"
    return None


@rule("fingerprint_not_failed", {422}, {"fingerprints.retry"})
def _fingerprint_not_failed(e: Evidence) -> str | None:
    """Offline: only a failed fingerprint is retried (the record's status in the store)."""
    key = _key(path_values(e.op, e.ex.request.url.path).get("fingerprint", ""))
    found = e.facts.matching("Fingerprint", id=key) if e.facts is not None else None
    if not found or found[0].get("status") == "failed":
        return None
    return f"fingerprint {key} has status {found[0].get('status')!r}, not failed"


@rule("unknown_coupon", {422}, {"coupons.validate"})
def _unknown_coupon(e: Evidence) -> str | None:
    sent = request_json(e.ex)
    code = str(sent.get("code") or "").strip().upper() if isinstance(sent, Mapping) else ""
    held = e.facts.matching("Coupon", code=code) if e.facts is not None else None
    if held is None:
        return None
    if not held or all(c.get("_expired") for c in held):
        return f"no valid coupon has the code {code!r}"
    return None


@rule("unknown_credentials", {401, 422}, {"auth.login"})
def _unknown_credentials(e: Evidence) -> str | None:
    """Offline: the email names no user, or the password is not theirs (``auth.*`` rules)."""
    sent = request_json(e.ex)
    if e.facts is None or not isinstance(sent, Mapping):
        return None
    email = str(sent.get("email") or "").lower()
    users = e.facts.matching("User", _email=email)
    if users is None:
        return None
    seeded = e.spec.rule("auth.seeded_email")
    known = users or [
        u for u in (e.facts.matching("User") or []) if seeded.format(id=u["id"]) == email
    ]
    if not known:
        return f"no user has the email {email!r}"
    stored = known[0].get("_password", e.spec.rule("auth.seeded_password"))
    return "the password is not the user's" if sent.get("password") != stored else None


class MockFacts:
    """Facts of an in-process mock: its store, read through the documented ownership rule."""

    def __init__(self, mock: Any, caller: int | None) -> None:
        self.store = mock.store
        self.caller = caller
        self.rate_limited = bool(mock.core.limiter.enabled)

    def _record(self, resource: str, key: Any) -> Any:
        if resource not in self.store.records:
            return None
        record = self.store.get(resource, key)
        if record is None and isinstance(key, str):  # a uuid, slug or name in the path
            record = next(
                (r for r in self.store.all(resource) if key in (r.get("uuid"), r.get("slug"))),
                None,
            )
        return record

    def held(self, resource: str, key: Any) -> bool | None:
        if resource not in self.store.records or resource in self.store.derived:
            return None
        return self._record(resource, key) is not None

    def owners(self, resource: str, key: Any) -> set[Any] | None:
        record = self._record(resource, key)
        if record is None:
            return None
        if "_members" in record:  # a conversation: its participants, as the mock's 403 says
            return set(record["_members"])
        if resource == "Message":  # a message: its conversation's participants (the same rule)
            conversation = self._record("Conversation", record.get("conversation_id"))
            return set(conversation["_members"]) if conversation else None
        owners: set[Any] | None = self.store.owners(record)
        return owners

    def matching(self, resource: str, **fields: Any) -> list[dict[str, Any]] | None:
        if resource not in self.store.records:
            return None
        return [
            r for r in self.store.all(resource) if all(r.get(k) == v for k, v in fields.items())
        ]

    def version(self) -> Hashable:
        version: int = self.store.version  # every write bumps it, and an in-place change
        return version

    def public(self, resource: str, key: Any) -> bool | None:
        record = self._record(resource, key)
        if record is None:
            return None
        flag = record.get("public", record.get("is_public"))
        return None if flag is None else bool(flag)


def facts_of(target: Any) -> Facts | None:
    """The facts a target can give: the mock's store offline, none live."""
    mock = getattr(target, "mock", None)
    if mock is None or not hasattr(mock, "store"):
        return None
    return MockFacts(mock, getattr(target, "user_id", None))
