"""Helpers for the probe tests: run a diagnosis, pick findings, spy on connections."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from bot.probes import Diagnoser, Diagnosis, Finding, ProbeSettings
from bot.probes.model import NoProviders, Providers
from bot.probes.settings import Nameserver

MAX_SPY_PACKETS = 100_000


async def diagnose(
    target: str, settings: ProbeSettings, kb: Providers | None = None, **kwargs: Any
) -> Diagnosis:
    return await Diagnoser(kb or NoProviders(), settings).run(target, **kwargs)


def codes(diagnosis: Diagnosis, host: str | None = None, port: int | None = None) -> list[str]:
    return [
        finding.code
        for finding in diagnosis.findings
        if (host is None or finding.host == host) and (port is None or finding.port == port)
    ]


def finding(diagnosis: Diagnosis, code: str) -> Finding:
    found = [item for item in diagnosis.findings if item.code == code]
    assert found, f"no {code} in {diagnosis.codes()}"
    return found[0]


class ConnectSpy:
    """Records every connection the probes try to open (TCP for mail, HTTP for autoconfig)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []


class DnsSpy:
    """A UDP socket posing as the DNS server: counts the queries it receives (never answers)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def nameservers(self) -> tuple[Nameserver, ...]:
        return (Nameserver("127.0.0.1", self.sock.getsockname()[1]),)

    def _run(self) -> None:
        for _ in range(MAX_SPY_PACKETS):
            if self._stop.is_set():
                return
            with contextlib.suppress(TimeoutError, OSError):
                self.sock.recv(4096)
                self.queries += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
