"""Where ``beatpass-contract serve`` may listen, checked before uvicorn starts.

The sandbox accepts a well-known token and answers every documented write, so it is meant for
the machine it runs on: a host that is not the loopback needs an explicit opt-in. A port that is
taken (or a host that cannot be bound) is reported in one line, as every bad argument is, instead
of as uvicorn's startup log and exit status 1.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from spec import ContractError


class ListenError(ContractError):
    """The host or port cannot be used: one line for the user, exit status 2."""


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1``, ``localhost`` or a name resolving only to the loopback."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def check_host(host: str, *, allow_non_loopback: bool) -> None:
    if not allow_non_loopback and not is_loopback(host):
        raise ListenError(
            f"--host {host} is not a loopback address: the sandbox accepts a well-known token "
            "and is meant for this machine; add --allow-non-loopback to serve other machines "
            "on purpose"
        )


def check_port(host: str, port: int) -> None:
    """Bind (host, port) the way uvicorn will (SO_REUSEADDR), then let go of it."""
    if port == 0:
        return  # the system picks a free port
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ListenError(f"cannot resolve --host {host}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ListenError(
                    f"port {port} on {host} is already in use; choose another with --port "
                    "(0 picks a free one)"
                ) from None
            raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
