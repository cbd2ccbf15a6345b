"""Fixtures starting the real servers on loopback (see servers.py) and probe helpers.

The probes trust the test CA through SSL_CERT_FILE (set per test with monkeypatch), the same
path production takes for the system store. Without Dovecot, dnsmasq or root the tests that need
them are skipped, unless AIDEMAIL_REQUIRE_SERVERS=1 (CI), where they fail instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from probe_helpers import ConnectSpy, DnsSpy
from servers import DNSMASQ, DOVECOT, DovecotAddresses, Lab, Zone, dns_server, start_dovecot
from servers import stop_process as stop_server

from bot.probes import ProbeSettings
from bot.probes import autoconfig as autoconfig_module
from bot.probes import connect as connect_module
from bot.probes.settings import Nameserver, parse_networks

REQUIRE_SERVERS = os.environ.get("AIDEMAIL_REQUIRE_SERVERS") == "1"
LOOPBACK = "127.0.0.0/8,::1/128"


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVERS:
        pytest.fail(f"{reason} (AIDEMAIL_REQUIRE_SERVERS=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if os.geteuid() != 0:
        _unavailable("the probe servers bind the mail ports: run as root")
    started = Lab(tmp_path_factory.mktemp("lab")).start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def dovecot(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotAddresses]:
    if not os.access(DOVECOT, os.X_OK):
        _unavailable(f"Dovecot not installed ({DOVECOT})")
    process = start_dovecot(tmp_path_factory.mktemp("dovecot"), lab.certs, lab.at.dovecot)
    yield lab.at.dovecot
    stop_server(process)


@pytest.fixture
def dns(lab: Lab) -> Iterator[Callable[[Zone], tuple[Nameserver, ...]]]:
    """Start dnsmasq for a zone; returns the nameservers to give ProbeSettings."""
    if not os.access(DNSMASQ, os.X_OK):
        _unavailable(f"dnsmasq not installed ({DNSMASQ})")
    with contextlib.ExitStack() as stack:

        def start(zone: Zone) -> tuple[Nameserver, ...]:
            return (Nameserver("127.0.0.1", stack.enter_context(dns_server(zone))),)

        yield start


@pytest.fixture
def make_settings(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Callable[..., ProbeSettings]:
    """ProbeSettings for tests: loopback allowed, short timeouts, no cache, test CA trusted."""
    monkeypatch.setenv("SSL_CERT_FILE", str(lab.certs.ca_file))

    def make(
        nameservers: tuple[Nameserver, ...] = (), allow: str = LOOPBACK, **overrides: Any
    ) -> ProbeSettings:
        values: dict[str, Any] = {
            "nameservers": nameservers,
            "allow_networks": parse_networks(allow),
            "ispdb_url": "http://ispdb.fai.test/v1.1/",
            "deadline": 5.0,
            "dns_timeout": 1.0,
            "connect_timeout": 1.0,
            "io_timeout": 1.0,
            "cache_ttl": 0.0,
        }
        values.update(overrides)
        return ProbeSettings(**values)

    return make


@pytest.fixture
def connect_spy(monkeypatch: pytest.MonkeyPatch) -> ConnectSpy:
    spy = ConnectSpy()
    real_open, real_get = connect_module.open_socket, autoconfig_module.http_get

    async def open_socket(vetted: Any, port: int, seconds: float) -> Any:
        spy.calls.append(("tcp", (str(vetted.address), port)))
        return await real_open(vetted, port, seconds)

    async def http_get(vetted: Any, url: Any, context: Any, seconds: float) -> bytes:
        spy.calls.append(("http", (str(vetted.address), str(url))))
        return await real_get(vetted, url, context, seconds)

    monkeypatch.setattr(connect_module, "open_socket", open_socket)
    monkeypatch.setattr(autoconfig_module, "http_get", http_get)
    return spy


@pytest.fixture
def dns_spy() -> Iterator[DnsSpy]:
    spy = DnsSpy()
    yield spy
    spy.close()


SERVER_FIXTURES = frozenset({"lab", "dovecot", "dns", "make_settings"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of this folder that start servers (`-m "not servers"` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)
