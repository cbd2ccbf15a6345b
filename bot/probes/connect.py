"""TCP connections, always to an address the guard vetted (never to a name)."""

from __future__ import annotations

import asyncio
import socket

from bot.probes.guard import Vetted
from bot.probes.model import ProbeError


async def open_socket(vetted: Vetted, port: int, seconds: float) -> socket.socket:
    """A connected non-blocking socket to VETTED.address:PORT, or ProbeError(tcp_*)."""
    address = vetted.address
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    where = f"{vetted.host}:{port} ({address})"
    try:
        async with asyncio.timeout(seconds):
            await asyncio.get_running_loop().sock_connect(sock, (str(address), port))
    except BaseException as error:
        sock.close()
        if isinstance(error, TimeoutError):
            raise ProbeError(
                "tcp_timeout", f"{where} : pas de réponse en {seconds:.1f} s"
            ) from None
        if isinstance(error, ConnectionRefusedError):
            raise ProbeError("tcp_refused", f"{where} : connexion refusée") from None
        if isinstance(error, OSError):
            raise ProbeError("tcp_failed", f"{where} : {error.strerror or error}") from None
        raise
    return sock
