"""Social (social.mdx): following users and artists (never yourself; 409 when already
following, 404 when not), reposts (never your own track), the library of saved tracks, albums
and artists, and the lists that show them."""

from __future__ import annotations

from typing import Any

from .. import _facts
from .._facts import artist_of, email_of, tracks_of
from .._store import Record
from ._call import Behaviour, Call, behaviour
from ._generic import _scope, generic, owned_list


def _toggle_edge(call: Call, kind: str, target: Any, on: bool, *, self_id: Any = None) -> int:
    if call.user_id is None:
        raise call.fail(401, "Unauthenticated.")
    if on and self_id is not None and target == self_id:
        message = "You cannot follow yourself."
        raise call.fail(422, message, {"id": [message]})
    edge = (call.user_id, target)
    return call.set_edge(kind, edge, on, exists="Already following.", missing="Not following.")


@behaviour("users.follow")
def _follow_user(call: Call) -> int:
    return _toggle_edge(call, "follow_user", call.record("User")["id"], True, self_id=call.user_id)


@behaviour("users.unfollow")
def _unfollow_user(call: Call) -> int:
    return _toggle_edge(call, "follow_user", call.record("User")["id"], False)


@behaviour("artists.follow")
def _follow_artist(call: Call) -> int:
    mine = call.my_artist()
    return _toggle_edge(
        call, "follow_artist", call.record("Artist")["id"], True, self_id=mine and mine["id"]
    )


@behaviour("artists.unfollow")
def _unfollow_artist(call: Call) -> int:
    return _toggle_edge(call, "follow_artist", call.record("Artist")["id"], False)


@behaviour("users.follow_status.show", "artists.follow_status.show")
def _follow_status(call: Call) -> int:
    kind, resource = (
        ("follow_user", "User") if call.op.id.startswith("users") else ("follow_artist", "Artist")
    )
    target = call.record(resource)["id"]
    call.ctx.values["following"] = (call.user_id, target) in call.store.edges[kind]
    return call.success


def _followers(call: Call, kind: str, resource: str, *, followed: bool) -> int:
    _scope(call)
    target = call.ctx.records.get(resource) or call.ctx.records.get("User")
    if target is None and call.user_id is not None:  # no one named: the caller's own
        target = call.store.get("User", call.user_id)
    if target is None:
        return call.success
    edges = call.store.edges[kind]
    ids = (
        [b for a, b in edges if a == target["id"]]
        if followed
        else [a for a, b in edges if b == target["id"]]
    )
    call.ctx.collections["User"] = [u for i in sorted(ids) if (u := call.store.get("User", i))]
    return call.success


@behaviour("users.followers.list", "users.me.followers.list")
def _user_followers(call: Call) -> int:
    return _followers(call, "follow_user", "User", followed=False)


@behaviour("users.followed_users.list", "users.me.followed_users.list")
def user_followed(call: Call) -> int:
    return _followers(call, "follow_user", "User", followed=True)


@behaviour("artists.followers.list")
def _artist_followers(call: Call) -> int:
    return _followers(call, "follow_artist", "Artist", followed=False)


@behaviour("reposts.toggle")
def _repost(call: Call) -> int:
    track = call.body_record("Track", "track_id")
    artist = call.my_artist()
    if artist is not None and artist["id"] in track.get("artists", []):
        raise call.fail(400, "You cannot repost your own track.")
    edge = (call.user_id, track["id"])
    edges = call.store.edges["repost"]
    reposted = edge not in edges
    (edges.add if reposted else edges.discard)(edge)
    _facts.recount(call.store, track["id"])
    call.store.touch()
    call.ctx.values["reposted"] = reposted
    return call.success


@behaviour("users.reposts.list")
def _reposts(call: Call) -> int:
    user = call.record("User")
    ids = sorted(t for u, t in call.store.edges["repost"] if u == user["id"])
    call.ctx.collections["Track"] = [t for i in ids if (t := call.store.get("Track", i))]
    return call.success


def _library_item(call: Call) -> tuple[str, Any]:
    for kind, resource in (("track", "Track"), ("album", "Album"), ("artist", "Artist")):
        if call.body_get(f"{kind}_id") is not None:
            return kind, call.body_record(resource, f"{kind}_id")["id"]
    raise call.fail(
        422, "The track id field is required.", {"track_id": ["The track id field is required."]}
    )


@behaviour("users.me.add_to_library")
def _library_add(call: Call) -> int:
    return _library(call, on=True)


@behaviour("users.me.remove_from_library")
def _library_remove(call: Call) -> int:
    return _library(call, on=False)


def _library(call: Call, *, on: bool) -> int:
    kind, key = _library_item(call)
    edge = (call.user_id, kind, key)
    status = call.set_edge(
        "library", edge, on, exists="Track already saved.", missing="Not in your library."
    )
    if kind == "track":  # a track's likes are its saves
        _facts.recount(call.store, key)
    return status


def _liked(kind: str, resource: str) -> Behaviour:
    def list_liked(call: Call) -> int:
        _scope(call)
        user = call.ctx.records.get("User")
        if user is not None:
            ids = sorted(
                k for u, t, k in call.store.edges["library"] if u == user["id"] and t == kind
            )
            call.ctx.collections[resource] = [r for i in ids if (r := call.store.get(resource, i))]
        return call.success

    return list_liked


for _kind, _resource in (("track", "Track"), ("album", "Album"), ("artist", "Artist")):
    behaviour(f"users.liked_{_kind}s.list", f"users.me.liked_{_kind}s.list")(
        _liked(_kind, _resource)
    )


owned_list("Collection", "collections.user.list")


# -- user profiles ----------------------------------------------------------------------------


def _profile_of(call: Call, user_id: Any) -> Record | None:
    """A user's extended profile: their artist's, else the first they own (or None)."""
    artist = artist_of(call.store, user_id)
    linked = call.store.get("Profile", artist.get("profile")) if artist else None
    return linked or next(iter(call.store.owned_by("Profile", user_id)), None)


@behaviour("user_profile.show")
def _user_profile(call: Call) -> int:
    user = call.record("User")
    profile = _profile_of(call, user["id"])
    if profile is None:
        call.ctx.values["profile"] = None
    else:
        call.ctx.records["Profile"] = profile
    return call.success


USER_FIELDS = ("display_name", "avatar")
PROFILE_FIELDS = ("description", "city", "country")


@behaviour("users.profile.update")
def _update_profile(call: Call) -> int:
    """The caller's own user (never another's): display name and avatar on the user, the rest
    on their extended profile, made for them on the first edit."""
    user = call.store.get("User", call.user_id)
    if user is None:
        raise call.fail(401, "Unauthenticated.")
    given = call.body if isinstance(call.body, dict) else {}
    user.update({k: given[k] for k in USER_FIELDS if k in given})
    changes = {k: given[k] for k in PROFILE_FIELDS if k in given}
    if changes:
        profile = _profile_of(call, user["id"])
        if profile is None:
            blank = {"model_type": "profile", **dict.fromkeys(PROFILE_FIELDS)}
            profile = call.store.add("Profile", {**blank, "_owner": user["id"]})
        profile.update(changes)
    call.store.touch()
    call.ctx.records["User"] = user
    return call.success


@behaviour("users.contact_info.show")
def _contact_info(call: Call) -> int:
    """The user's email (``email_of``), their artist's website, and no phone: the mock knows
    none."""
    user = call.record("User")
    artist = artist_of(call.store, user["id"])
    call.ctx.values["contact_info"] = {
        "email": email_of(call.store, user),
        "phone": None,
        "website": artist.get("website") if artist else None,
    }
    return call.success


@behaviour("users.minutes_left.show")
def _minutes_left(call: Call) -> int:
    """Upload minutes left: ``users.upload_minutes`` less the minutes of the user's tracks;
    null for a plan without a minute cap."""
    user = call.record("User")
    cap = call.rule("users.upload_minutes")
    left = None
    if cap is not None:
        artist = artist_of(call.store, user["id"])
        used = (
            sum(int(t.get("duration") or 0) for t in tracks_of(call.store, artist["id"]))
            if artist
            else 0
        )
        left = max(0, int(cap) - used // 60_000)
    call.ctx.values.update({"status": "success", "minutesLeft": left})
    return call.success


# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "collections.create",
    "collections.delete",
    "collections.featured.list",
    "collections.list",
    "collections.play",
    "collections.recommendations.list",
    "collections.show",
    "collections.update",
    "users.me.playlists.list",
    "users.playlists.list",
    "users.search",
    "users.show",
)(generic)
