"""Root conftest, kept thin. The beatpass plugin itself is registered through the ``pytest11``
entry point, exactly as users get it.

One guard for the whole run: this project's tests may open sockets to the loopback only (the
sandbox and fake servers they start). Any other address fails the test at once, so no test can
reach the network, and production least of all, by accident.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _loopback_only(address: Any) -> None:
    host = address[0] if isinstance(address, tuple) else None
    if host is None:
        return  # a Unix socket: local by definition
    try:
        ok = ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = host == "localhost"
    if not ok:
        raise OSError(f"test tried to reach {address!r}: tests may only use the loopback")


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    def connect(self: socket.socket, address: Any) -> None:
        _loopback_only(address)
        _connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _loopback_only(address)
        return _connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
