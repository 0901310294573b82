"""The seeded world states only what its own rules allow: what one endpoint says of a seeded
record, every other says too, and no seeded record is one a documented write would refuse to
make. Each example reads seed 0 to 3 through the API, as a client would."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver import BeatPassMock

SEEDS = range(4)


def _world(seed: int) -> tuple[BeatPassMock, Any]:
    api = BeatPassMock(seed=seed, rate_limits=False)
    return api, api.client()


@pytest.mark.parametrize("seed", SEEDS)
def test_every_track_carrying_a_tag_is_listed_under_that_tags_name(seed: int) -> None:
    """A tag is addressed by its name, so two tags of one name would hide each other's tracks."""
    api, client = _world(seed)
    for tag in api.records("Tag"):
        carrying = sorted(t["id"] for t in api.records("Track") if tag["id"] in t["tags"])
        page = client.get(f"/tags/{tag['name']}/tracks", params={"perPage": 100}).json()
        assert sorted(t["id"] for t in page["pagination"]["data"]) == carrying, tag["name"]
