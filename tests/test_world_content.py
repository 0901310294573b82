"""The content page as one world: lyrics, pins, plays, waveforms, fingerprints, Audio Recon,
credit roles and cover art answer from the store, the request or the spec's rules, and what a
write changes reads back (issue "The mock as one consistent world")."""

from __future__ import annotations

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=0, rate_limits=False)


@pytest.fixture
def me(api: BeatPassMock) -> httpx.Client:
    return api.client()


def as_user(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def my_tracks(api: BeatPassMock, user_id: int = 1) -> list[int]:
    return [t["id"] for t in api.owned("Track", user_id)]


def with_lyrics(api: BeatPassMock) -> dict[int, str]:
    return {r["track_id"]: r["text"] for r in api.records("Lyric")}


# -- lyrics -----------------------------------------------------------------------------------


def test_a_track_without_lyrics_answers_404_never_another_tracks_lyric(
    api: BeatPassMock, me: httpx.Client
) -> None:
    without = next(t["id"] for t in api.records("Track") if t["id"] not in with_lyrics(api))
    r = me.get(f"/tracks/{without}/lyrics")
    assert r.status_code == 404
    assert r.json() == {"message": "This track has no lyrics."}


def test_a_track_with_lyrics_answers_its_own(api: BeatPassMock, me: httpx.Client) -> None:
    for track_id, text in list(with_lyrics(api).items())[:5]:
        lyric = me.get(f"/tracks/{track_id}/lyrics").json()["lyric"]
        assert (lyric["track_id"], lyric["text"]) == (track_id, text)


def test_lyrics_written_by_the_track_owner_read_back_and_are_gone_once_deleted(
    api: BeatPassMock, me: httpx.Client
) -> None:
    track_id = next(t for t in my_tracks(api) if t not in with_lyrics(api))
    assert me.get(f"/tracks/{track_id}/lyrics").status_code == 404
    created = me.post("/lyrics", json={"track_id": track_id, "text": "Late night, neon light"})
    assert created.status_code == 201
    lyric = created.json()["lyric"]
    assert me.get(f"/tracks/{track_id}/lyrics").json()["lyric"] == lyric
    again = me.post("/lyrics", json={"track_id": track_id, "text": "Another one"})
    assert again.status_code == 422  # one text per track
    assert me.put(f"/lyrics/{lyric['id']}", json={"text": "Early morning"}).status_code == 200
    assert me.get(f"/tracks/{track_id}/lyrics").json()["lyric"]["text"] == "Early morning"
    assert as_user(api, 35).put(f"/lyrics/{lyric['id']}", json={"text": "x"}).status_code == 403
    assert as_user(api, 35).delete(f"/lyrics/{lyric['id']}").status_code == 403
    assert me.delete(f"/lyrics/{lyric['id']}").status_code == 200
    assert me.get(f"/tracks/{track_id}/lyrics").status_code == 404


def test_only_a_tracks_owner_writes_its_lyrics(api: BeatPassMock) -> None:
    track_id = next(t for t in my_tracks(api) if t not in with_lyrics(api))
    r = as_user(api, 35).post("/lyrics", json={"track_id": track_id, "text": "Not mine"})
    assert r.status_code == 403
    assert api.client().get(f"/tracks/{track_id}/lyrics").status_code == 404


# -- pins and plays ---------------------------------------------------------------------------


def test_a_pin_shows_as_the_pinned_track_until_unpinned(
    me: httpx.Client, api: BeatPassMock
) -> None:
    track_id = my_tracks(api)[0]
    assert me.get("/artists/1/pinned-track").json() == {"status": "success", "track": None}
    assert me.post(f"/artists/1/tracks/{track_id}/pin").status_code == 200
    assert me.get("/artists/1/pinned-track").json()["track"]["id"] == track_id
    anonymous = api.client(anonymous=True).get("/artists/1/pinned-track").json()
    assert anonymous["track"]["id"] == track_id
    assert me.post(f"/artists/1/tracks/{track_id}/unpin").status_code == 200
    assert me.get("/artists/1/pinned-track").json()["track"] is None
    assert me.post(f"/artists/1/tracks/{track_id}/unpin").status_code == 404


def test_only_the_artist_pins_and_only_their_own_tracks(
    api: BeatPassMock, me: httpx.Client
) -> None:
    track_id = my_tracks(api)[0]
    assert as_user(api, 2).post(f"/artists/1/tracks/{track_id}/pin").status_code == 403
    others = next(t["id"] for t in api.records("Track") if 1 not in t["artists"])
    assert me.post(f"/artists/1/tracks/{others}/pin").status_code == 404
    assert me.get("/artists/1/pinned-track").json()["track"] is None


@pytest.mark.parametrize("path", ["/tracks/{id}/plays", "/tracks/plays/{id}/log"])
def test_a_logged_play_counts_on_the_track(me: httpx.Client, path: str) -> None:
    before = me.get("/tracks/5").json()["track"]["plays"]
    assert me.post(path.format(id=5)).status_code == 200
    assert me.post(path.format(id=5)).status_code == 200
    assert me.get("/tracks/5").json()["track"]["plays"] == before + 2


def test_a_play_reads_the_same_through_the_track_and_its_artists_list(
    api: BeatPassMock, me: httpx.Client
) -> None:
    track_id = my_tracks(api)[0]
    me.post(f"/tracks/{track_id}/plays")
    listed = me.get("/artists/1/tracks", params={"perPage": 100}).json()["pagination"]["data"]
    in_list = next(t["plays"] for t in listed if t["id"] == track_id)
    assert in_list == me.get(f"/tracks/{track_id}").json()["track"]["plays"]


def test_an_artists_track_list_holds_every_track_credited_to_them(
    api: BeatPassMock, me: httpx.Client
) -> None:
    """Not only the artist's top tracks: the list the dashboard's track count counts."""
    credited = sorted(t["id"] for t in api.records("Track") if 1 in (t.get("artists") or ()))
    assert len(credited) > 5  # more than the artist's top five (seed 0)
    page = me.get("/artists/1/tracks", params={"perPage": 100}).json()["pagination"]
    assert sorted(t["id"] for t in page["data"]) == credited
    assert me.get("/artist/profile").json()["data"]["total_tracks"] == page["total"]


def test_an_artists_top_tracks_are_their_most_played_as_plays_change(
    api: BeatPassMock, me: httpx.Client
) -> None:
    """``top_tracks`` are the artist's most played tracks (``artists.top_tracks`` of them),
    the same ranking their track list gives, after a play reorders them and a delete."""
    most = API.rule("artists.top_tracks")

    def ranked() -> list[tuple[int, int]]:
        page = me.get("/artists/1/tracks", params={"perPage": 100}).json()["pagination"]
        return sorted((-t["plays"], t["id"]) for t in page["data"])

    def top() -> list[int]:
        return [t["id"] for t in me.get("/artists/1").json()["artist"]["top_tracks"]]

    order = ranked()
    assert len(order) > most
    assert top() == [i for _, i in order[:most]]
    # The closest two neighbours in the top ranks: a few plays make the lower one pass.
    gap, at = min((order[k + 1][0] - order[k][0], k) for k in range(most))
    assert gap < 50
    for _ in range(gap + 1):
        assert me.post(f"/tracks/{order[at + 1][1]}/plays").is_success
    moved = ranked()
    assert moved[at][1] == order[at + 1][1]
    assert top() == [i for _, i in moved[:most]]
    assert me.delete(f"/tracks/{moved[0][1]}").is_success
    assert top() == [i for _, i in moved[1 : most + 1]]


def test_a_play_duration_is_an_event_not_a_play(api: BeatPassMock, me: httpx.Client) -> None:
    before = me.get("/tracks/5").json()["track"]["plays"]
    r = me.post("/tracks/plays/5/update-duration", json={"duration": 42})
    assert r.status_code == 200
    assert me.get("/tracks/5").json()["track"]["plays"] == before
    assert api.events[-1]["duration"] == 42


# -- waveforms and metadata -------------------------------------------------------------------


def test_a_waveform_is_the_tracks_own_through_both_endpoints(me: httpx.Client) -> None:
    peaks = {i: me.get(f"/tracks/{i}/wave").json()["peaks"] for i in (3, 4)}
    assert peaks[3] != peaks[4]
    assert len(peaks[3]) == API.rule("tracks.wave_peaks")
    assert all(0 <= p <= 1 for p in peaks[3])
    batch = me.post("/tracks/wave-batch", json={"track_ids": [4, 3]}).json()["waves"]
    assert batch == [{"track_id": 4, "peaks": peaks[4]}, {"track_id": 3, "peaks": peaks[3]}]
    unknown = me.post("/tracks/wave-batch", json={"track_ids": [3, 99999]})
    assert unknown.status_code == 422


def test_extracted_metadata_is_what_the_track_stores(api: BeatPassMock, me: httpx.Client) -> None:
    track_id = my_tracks(api)[0]
    stored = me.get(f"/tracks/{track_id}").json()["track"]
    metadata = me.post(f"/tracks/{track_id}/extract-metadata").json()["metadata"]
    assert metadata == {k: stored[k] for k in ("bpm", "key", "duration")}
    assert as_user(api, 35).post(f"/tracks/{track_id}/extract-metadata").status_code == 403
    assert me.post("/tracks/99999/extract-metadata").status_code == 404


# -- fingerprints, duplicates, Audio Recon ----------------------------------------------------


def test_a_fingerprint_run_is_pending_then_its_status_reads_back(
    api: BeatPassMock, me: httpx.Client
) -> None:
    printed = {f["track_id"] for f in api.records("Fingerprint")}
    track_id = next(t for t in my_tracks(api) if t not in printed)
    at_upload = me.get(f"/tracks/{track_id}/fingerprint/status").json()["fingerprint_status"]
    assert at_upload == API.rule("fingerprints.upload_status") == "completed"
    started = me.post(f"/tracks/{track_id}/fingerprint").json()
    assert started == {"status": "success", "message": API.rule("fingerprints.started_message")}
    status = me.get(f"/tracks/{track_id}/fingerprint/status").json()
    assert status == {"status": "success", "fingerprint_status": "pending"}
    assert as_user(api, 35).post(f"/tracks/{track_id}/fingerprint").status_code == 403


def test_the_status_is_the_stored_fingerprints(api: BeatPassMock, me: httpx.Client) -> None:
    latest = {
        f["track_id"]: f["status"]
        for f in sorted(api.records("Fingerprint"), key=lambda f: f["id"])
    }
    for track_id, status in latest.items():
        shown = me.get(f"/tracks/{track_id}/fingerprint/status").json()["fingerprint_status"]
        assert shown == status


def test_only_a_failed_fingerprint_is_retried(api: BeatPassMock) -> None:
    for record in api.records("Fingerprint"):
        track = next(t for t in api.records("Track") if t["id"] == record["track_id"])
        owner = api.client(token=api.issue_token(min(_owners(api, track))))
        failed = record["status"] == "failed"
        r = owner.post(f"/fingerprints/{record['id']}/retry")
        if failed:
            assert r.status_code == 200
            status = owner.get(f"/tracks/{track['id']}/fingerprint/status").json()
            assert status["fingerprint_status"] == "pending"
        else:
            assert r.status_code == 422


def _owners(api: BeatPassMock, track: dict[str, object]) -> set[int]:
    artists = {a["id"]: a for a in api.records("Artist")}
    return {artists[a]["_user"] for a in track["artists"]}  # type: ignore[attr-defined]


def test_a_duplicate_is_a_track_with_the_same_name_and_duration(
    api: BeatPassMock, me: httpx.Client
) -> None:
    first, second = my_tracks(api)[:2]
    assert me.post("/tracks/check-duplicates", json={"track_ids": [first]}).json() == {
        "status": "success",
        "duplicates": [],
    }
    original = me.get(f"/tracks/{first}").json()["track"]
    copy = {"name": original["name"].upper(), "duration": original["duration"]}
    upload = me.post("/tracks", json={**copy, "bpm": 90, "genre": "trap"})
    assert upload.status_code == 409  # the documented fingerprint collision
    assert me.put(f"/tracks/{second}", json=copy).status_code == 200
    found = me.post("/tracks/check-duplicates", json={"track_ids": [first]}).json()
    assert found["duplicates"] == [{"track_id": first, "duplicate_of": second}]


def test_audio_recon_is_for_the_tracks_producers(api: BeatPassMock, me: httpx.Client) -> None:
    track_id = my_tracks(api)[0]
    answer = me.get(f"/tracks/{track_id}/placements").json()
    assert answer["total_count"] == len(answer["placements"])
    artist = me.get("/artists/1").json()["artist"]
    assert answer["artist_verified"] == artist["verified"]
    assert as_user(api, 35).get(f"/tracks/{track_id}/placements").status_code == 403


# -- reference data ---------------------------------------------------------------------------


def test_credit_roles_are_the_documented_ones(me: httpx.Client) -> None:
    assert me.get("/credits/roles").json() == {
        "status": "success",
        "roles": ["Producer", "Engineer", "Songwriter"],
    }
    assert API.rule("credits.roles") == ["Producer", "Engineer", "Songwriter"]


def test_cover_art_templates_are_the_documented_ones_everywhere(me: httpx.Client) -> None:
    documented = API.rule("cover_art.templates")
    assert documented[0]["name"] == "Modern Template"
    assert me.get("/cover-art/templates").json() == {"status": "success", "templates": documented}
    one = me.get(f"/cover-art/templates/{documented[0]['id']}").json()["template"]
    assert {k: one[k] for k in ("id", "name", "preview_url")} == documented[0]
    matching = me.get("/cover-art/matching-templates").json()["templates"]
    assert [t["id"] for t in matching] == [t["id"] for t in documented]


def test_a_cover_art_preview_is_named_by_its_request(me: httpx.Client) -> None:
    body = {"template_id": 1, "title": "My Track", "artist": "Artist Name"}
    first = me.post("/cover-art/preview", json=body).json()["preview_url"]
    assert first == "https://example.com/previews/1-my-track-artist-name.jpg"
    assert me.post("/cover-art/preview", json=body).json()["preview_url"] == first
    unknown = me.post("/cover-art/preview", json={**body, "template_id": 999})
    assert unknown.status_code == 422


def test_an_invitation_answers_the_documented_message(api: BeatPassMock, me: httpx.Client) -> None:
    playlist = me.post("/playlists", json={"name": "Together"}).json()["playlist"]
    r = me.post(f"/playlists/{playlist['id']}/invite", json={"user_id": 7})
    assert r.json() == {"status": "success", "message": API.rule("playlists.invite_message")}
    assert API.rule("playlists.invite_message") == "Invitation sent successfully"


# -- uploads ----------------------------------------------------------------------------------


UPLOAD = {"name": "Brand New", "bpm": 90, "genre": "Trap", "duration": 180_000}


def test_an_upload_is_the_uploaders_under_the_genre_and_tags_it_names(
    api: BeatPassMock, me: httpx.Client
) -> None:
    before = me.get("/artists/1/tracks").json()["pagination"]["total"]
    made = me.post("/tracks", json={**UPLOAD, "tags": ["late night", "Late Night"]})
    assert made.status_code == 201, made.text
    track = made.json()["track"]
    assert [a["id"] for a in track["artists"]] == [1]  # user 1 is artist 1
    assert [g["name"].casefold() for g in track["genres"]] == ["trap"]
    assert [t["name"] for t in track["tags"]] == ["late night"]  # one tag, case aside
    assert me.get("/artists/1/tracks").json()["pagination"]["total"] == before + 1
    tagged = me.get("/tags/late night/tracks", params={"perPage": 100}).json()["pagination"]
    assert track["id"] in [t["id"] for t in tagged["data"]]


def test_a_listener_cannot_upload(api: BeatPassMock) -> None:
    answer = as_user(api, 35).post("/tracks", json=UPLOAD)  # user 35 owns no artist
    assert answer.status_code == 422
    assert answer.json()["message"] == "You need an artist profile to upload tracks."
    assert not [t for t in api.records("Track") if t["name"] == "Brand New"]


# -- playlists --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_a_new_playlist_is_private_unless_asked(seed: int) -> None:
    api = BeatPassMock(seed=seed, rate_limits=False)
    me = api.client()
    created = me.post("/playlists", json={"name": "x"}).json()["playlist"]
    assert (created["public"], created["collaborative"]) == (False, False)
    assert me.get(f"/playlists/{created['id']}").json()["playlist"]["public"] is False
    assert as_user(api, 7).get(f"/playlists/{created['id']}").status_code == 403
    shared = me.post("/playlists", json={"name": "y", "public": True}).json()["playlist"]
    assert as_user(api, 7).get(f"/playlists/{shared['id']}").json()["playlist"]["public"] is True


@pytest.mark.parametrize(("length", "status"), [(19, 422), (20, 200), (170, 200), (171, 422)])
def test_a_playlist_description_takes_20_to_170_characters(
    me: httpx.Client, length: int, status: int
) -> None:
    answer = me.post("/playlists", json={"name": "x", "description": "d" * length})
    assert answer.status_code == status, answer.text


def test_a_list_with_no_page_to_ask_for_holds_every_item_on_one_page(me: httpx.Client) -> None:
    """``GET /playlists`` documents no ``page``: a caller with many playlists sees them all."""
    assert not any(p.name == "page" for p in API.operations["playlists.list"].query_params)
    for n in range(30):
        assert me.post("/playlists", json={"name": f"mix {n}"}).status_code == 200
    page = me.get("/playlists").json()["pagination"]
    assert page["last_page"] == 1
    assert len(page["data"]) == page["total"] >= 30


def test_lyrics_are_listed_page_by_page_to_the_last(me: httpx.Client) -> None:
    first = me.get("/lyrics").json()["pagination"]
    seen = [
        x["id"]
        for page in range(1, first["last_page"] + 1)
        for x in me.get("/lyrics", params={"page": page}).json()["pagination"]["data"]
    ]
    assert first["last_page"] > 1
    assert len(set(seen)) == len(seen) == first["total"]


def test_a_tracks_comment_count_is_its_comment_list_deleted_ones_included(
    api: BeatPassMock, me: httpx.Client
) -> None:
    track = next(c["_track"] for c in api.records("Comment") if c.get("deleted"))
    listed = me.get(f"/tracks/{track}/comments", params={"perPage": 100}).json()["pagination"]
    counted = me.get(f"/tracks/{track}/engagement-metrics").json()["metrics"]["comments"]
    assert any(c["deleted"] for c in listed["data"])
    assert counted == listed["total"] == len(listed["data"])


def _length(me: httpx.Client, playlist: int) -> tuple[int, int]:
    """A playlist's ``totalDuration`` and the durations of the tracks it lists, added up."""
    shown = me.get(f"/playlists/{playlist}").json()["playlist"]
    listed = me.get(f"/playlists/{playlist}/tracks", params={"perPage": 100}).json()
    return shown["totalDuration"], sum(t["duration"] for t in listed["pagination"]["data"])


def test_a_playlist_lasts_as_long_as_its_tracks_whatever_moved_them(
    api: BeatPassMock, me: httpx.Client
) -> None:
    mine = next(p for p in api.owned("Playlist", 1) if len(p["tracks"]) >= 2)
    pid, first, second = mine["id"], mine["tracks"][0], mine["tracks"][1]
    outside = next(t["id"] for t in api.records("Track") if t["id"] not in mine["tracks"])
    before = _length(me, pid)
    assert before[0] == before[1]
    assert me.post(f"/playlists/{pid}/tracks/add", json={"ids": [outside]}).status_code == 200
    assert me.post(f"/playlists/{pid}/tracks/remove", json={"ids": [first]}).status_code == 200
    after = _length(me, pid)
    assert after[0] == after[1] != before[0]
    track = next(t for t in api.records("Track") if t["id"] == second)
    owner = as_user(api, min(api.store.owners(track) or ()))  # a deleted track leaves it too
    assert owner.delete(f"/tracks/{second}").status_code == 200
    gone = _length(me, pid)
    assert gone[0] == gone[1] < after[0]
    created = me.post("/playlists", json={"name": "new"}).json()["playlist"]
    assert _length(me, created["id"]) == (0, 0)


# -- artist credits and the Spotify stand-in --------------------------------------------------


def test_a_spotify_search_finds_the_catalogues_tracks_by_name(
    api: BeatPassMock, me: httpx.Client
) -> None:
    track = next(t for t in api.records("Track") if t.get("album"))
    word = track["name"].split()[0]
    results = me.get("/credits/spotify-search", params={"query": word.lower()}).json()["results"]
    named = [t for t in api.records("Track") if word.lower() in t["name"].lower()]
    assert [r["id"] for r in results] == [str(t["id"]) for t in named]
    hit = next(r for r in results if r["id"] == str(track["id"]))
    album = me.get(f"/albums/{track['album']}").json()["album"]
    assert (hit["name"], hit["album"]) == (track["name"], album["name"])
    none = me.get("/credits/spotify-search", params={"query": "zzzz-no-such-track"}).json()
    assert none == {"status": "success", "results": []}


def test_a_spotify_album_is_the_catalogues_album_with_its_tracks(
    api: BeatPassMock, me: httpx.Client
) -> None:
    album = next(a for a in api.records("Album") if a["tracks"])
    shown = me.get("/credits/spotify-album", params={"album_id": str(album["id"])}).json()
    assert shown["album"]["name"] == album["name"]
    assert [t["id"] for t in shown["album"]["tracks"]] == [str(t) for t in album["tracks"]]
    assert me.get("/credits/spotify-album", params={"album_id": "99999"}).status_code == 404
    assert me.get("/credits/spotify-album").status_code == 422


def test_credits_take_the_documented_roles_and_read_back(
    api: BeatPassMock, me: httpx.Client
) -> None:
    listed = me.get("/artists/1/credits").json()["pagination"]["total"]
    made = me.post("/artists/1/credits", json={"name": "Midnight Run", "role": "Engineer"})
    assert made.status_code == 201
    credit = made.json()["credit"]
    assert (credit["artist_id"], credit["role"], credit["position"]) == (1, "Engineer", listed)
    shown = me.get("/artists/1/credits").json()["pagination"]
    assert shown["total"] == listed + 1
    assert credit["id"] in [c["id"] for c in shown["data"]]
    bad = me.post("/artists/1/credits", json={"name": "x", "role": "DJ"})
    assert bad.status_code == 422
    assert "role" in bad.json()["errors"]
    not_mine = {"name": "Not mine", "role": "Producer"}
    assert as_user(api, 2).post("/artists/1/credits", json=not_mine).status_code == 403
    renamed = me.put(f"/artists/1/credits/{credit['id']}", json={"role": "Songwriter"})
    assert renamed.json()["credit"]["role"] == "Songwriter"


def test_an_album_credit_credits_each_track_of_the_album(
    api: BeatPassMock, me: httpx.Client
) -> None:
    album = next(a for a in api.records("Album") if len(a["tracks"]) >= 2)
    body = {"spotify_album_id": str(album["id"]), "role": "Producer"}
    made = me.post("/artists/1/credits/album", json=body).json()["credits"]
    names = [t["name"] for t in api.records("Track") if t["id"] in album["tracks"]]
    assert sorted(c["name"] for c in made) == sorted(names)
    assert {(c["album_name"], c["role"], c["artist_id"]) for c in made} == {
        (album["name"], "Producer", 1)
    }


def _id3_text(audio: bytes) -> dict[str, str]:
    """The text frames of an ID3v2.4 tag (sizes in seven-bit bytes, UTF-8 text)."""
    assert audio[:4] == b"ID3\x04"
    size = sum((audio[6 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
    frames, at, out = audio[10 : 10 + size], 0, {}
    while at < len(frames):
        frame_id = frames[at : at + 4].decode()
        length = sum((frames[at + 4 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
        out[frame_id] = frames[at + 11 : at + 10 + length].decode("utf-8")
        at += 10 + length
    assert audio[10 + size : 10 + size + 2] == b"\xff\xfb", "an MPEG audio frame follows the tag"
    return out


def test_a_downloaded_file_is_tagged_with_its_track_as_the_api_reads_it(
    api: BeatPassMock, me: httpx.Client
) -> None:
    tid = my_tracks(api)[0]
    track = me.get(f"/tracks/{tid}").json()["track"]
    answer = me.get(f"/tracks/{tid}/download")
    assert answer.headers["content-type"].startswith("audio/mpeg")
    tags = _id3_text(answer.content)
    assert tags["TIT2"] == track["name"]
    assert tags["TPE1"] == ", ".join(a["name"] for a in track["artists"])
    assert me.put(f"/tracks/{tid}", json={"name": "Renamed Loop"}).status_code == 200
    assert _id3_text(me.get(f"/tracks/{tid}/download").content)["TIT2"] == "Renamed Loop"
    assert me.get("/tracks/999999/download").status_code == 404
