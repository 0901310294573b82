"""Refuse every socket to the API's host while a mock is active, whatever the client.

respx patches httpx only. A test that also uses ``requests``, ``urllib``, ``aiohttp`` or a raw
socket would otherwise reach production, where a POST charges a card or messages a real
person. So while a :class:`~mockserver.BeatPassMock` is active, the two doors every Python
client goes through are guarded: name resolution (``socket.getaddrinfo``, which
``socket.create_connection``, urllib3, http.client, asyncio and aiohttp's default resolver
all call) and ``socket.socket.connect``/``connect_ex`` with a host name. A connection to a
guarded host fails before anything is sent, with :class:`MockActiveError`, whose message
names the mock and the way in (httpx). Other hosts are untouched.

Not covered, and said so in the README: clients that resolve names without ``getaddrinfo``
(aiohttp with aiodns, uvloop) and connecting to the host's IP address directly.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections import Counter
from typing import Any

__all__ = ["MockActiveError", "guard", "guarded", "release"]


class MockActiveError(ConnectionRefusedError):
    """A connection to the API's host while the mock is active (nothing was sent)."""

    def __init__(self, host: str) -> None:
        super().__init__(
            errno.ECONNREFUSED,
            f"BeatPassMock is active: connections to {host} are refused so that nothing "
            "reaches the real API; only httpx is routed to the mock (use httpx, or "
            "api.transport, or serve the mock with BackgroundServer)",
        )
        self.host = host


_lock = threading.Lock()
_hosts: Counter[str] = Counter()
_saved: dict[str, Any] = {}


def _host_of(address: Any) -> str | None:
    if isinstance(address, tuple) and address and isinstance(address[0], (str, bytes)):
        host = address[0]
        return (host.decode("ascii", "replace") if isinstance(host, bytes) else host).lower()
    return None


def _check(host: Any) -> None:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if isinstance(host, str) and _hosts and host.lower().rstrip(".") in _hosts:
        raise MockActiveError(host)


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    _check(host)
    return _saved["getaddrinfo"](host, *args, **kwargs)


def _connect(self: socket.socket, address: Any) -> None:
    _check(_host_of(address))
    _saved["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(_host_of(address))
    result: int = _saved["connect_ex"](self, address)
    return result


def guard(host: str) -> None:
    """Refuse connections to *host* until as many :func:`release` calls as guards."""
    with _lock:
        if not _hosts:
            _saved.update(
                getaddrinfo=socket.getaddrinfo,
                connect=socket.socket.connect,
                connect_ex=socket.socket.connect_ex,
            )
            socket.getaddrinfo = _getaddrinfo
            socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
            socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
        _hosts[host.lower()] += 1


def release(host: str) -> None:
    """Undo one :func:`guard`; the patches go when the last guarded host is released."""
    with _lock:
        key = host.lower()
        if _hosts[key] <= 1:
            del _hosts[key]
        else:
            _hosts[key] -= 1
        if not _hosts and _saved:
            socket.getaddrinfo = _saved.pop("getaddrinfo")
            socket.socket.connect = _saved.pop("connect")  # type: ignore[method-assign]
            socket.socket.connect_ex = _saved.pop("connect_ex")  # type: ignore[method-assign]


def guarded() -> frozenset[str]:
    """The hosts refused right now."""
    with _lock:
        return frozenset(_hosts)
