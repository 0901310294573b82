"""The served mock under concurrent clients that write and read at once: no 5xx, and every
write is visible afterwards."""

from __future__ import annotations

import concurrent.futures

import httpx

from mockserver import BackgroundServer, BeatPassMock


def test_concurrent_writes_and_reads() -> None:
    api = BeatPassMock(seed=1, rate_limits=False)

    def work(server: BackgroundServer, worker: int) -> list[int]:
        statuses = []
        with httpx.Client(
            base_url=server.base_url, headers=api.auth_headers(), timeout=20
        ) as client:
            for step in range(24):
                if step % 3 == 0:
                    r = client.post("/playlists", json={"name": f"w{worker}-{step}"})
                elif step % 3 == 1:
                    r = client.get("/playlists", params={"per_page": 50})
                else:
                    r = client.get("/users/1/playlists", params={"perPage": 50})
                statuses.append(r.status_code)
        return statuses

    with (
        BackgroundServer(api.served_handler) as server,
        concurrent.futures.ThreadPoolExecutor(6) as pool,
    ):
        results = [s for f in [pool.submit(work, server, w) for w in range(6)] for s in f.result()]
    assert set(results) == {200}
    names = {p["name"] for p in api.records("Playlist")}
    assert {f"w{w}-{s}" for w in range(6) for s in range(0, 24, 3)} <= names
