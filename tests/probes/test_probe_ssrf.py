"""The guard in a real diagnosis: every internal spelling is a finding, and no connection."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from probe_helpers import ConnectSpy, DnsSpy, codes, diagnose, finding
from servers import Lab, Zone, autoconfig_xml

from bot.probes import ProbeSettings
from bot.probes.settings import Nameserver

Settings = Callable[..., ProbeSettings]
Dns = Callable[[Zone], tuple[Nameserver, ...]]


def _sentinel_port(lab: Lab, host: str) -> int:
    port = lab.loopback_sentinels.get(host)
    if port is None:
        pytest.skip(f"no mail port free on {host} for the sentinel")
    return port


@pytest.mark.parametrize(
    ("spelling", "sentinel"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),
        ("[::]", "::1"),
    ],
)
async def test_loopback_spellings_are_blocked_without_any_connection(
    lab: Lab,
    make_settings: Settings,
    connect_spy: ConnectSpy,
    dns_spy: DnsSpy,
    spelling: str,
    sentinel: str,
) -> None:
    port = _sentinel_port(lab, sentinel)
    before = lab.hits.get(f"loopback:{sentinel}", 0)
    settings = make_settings(dns_spy.nameservers, allow="")  # the default: nothing allowed
    diagnosis = await diagnose(f"{spelling}:{port}", settings)
    assert codes(diagnosis) == ["blocked_target"]
    assert finding(diagnosis, "blocked_target").status == "error"
    assert connect_spy.calls == []
    assert dns_spy.queries == 0
    assert lab.hits.get(f"loopback:{sentinel}", 0) == before


@pytest.mark.parametrize("target", ["user@[127.0.0.1]", "user@[IPv6:::1]", "10.0.0.1", "[fe80::1]"])
async def test_internal_ip_targets_without_port_are_blocked_on_every_port(
    make_settings: Settings, connect_spy: ConnectSpy, dns_spy: DnsSpy, target: str
) -> None:
    diagnosis = await diagnose(target, make_settings(dns_spy.nameservers, allow=""))
    assert set(codes(diagnosis)) == {"blocked_target"}
    assert len(diagnosis.findings) == 7  # one per usual mail port
    assert connect_spy.calls == []


async def test_the_sentinel_does_see_an_allowed_connection(
    lab: Lab, make_settings: Settings, connect_spy: ConnectSpy
) -> None:
    """The control for the tests above: allowed, the same target reaches the sentinel."""
    port = _sentinel_port(lab, "::1")
    before = lab.hits.get("loopback:::1", 0)
    diagnosis = await diagnose(f"[::1]:{port}", make_settings())
    assert "tcp_ok" in codes(diagnosis)
    assert connect_spy.calls == [("tcp", ("::1", port))]
    assert lab.hits.get("loopback:::1", 0) == before + 1


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("localhost:993", "blocked_target"),
        ("imap.localhost:993", "blocked_target"),
        ("moi@mail.localhost", "blocked_target"),
        ("mail.example.test:8080", "port_not_allowed"),
        ("mail.example.test:22", "port_not_allowed"),
        ("[::1]:80", "port_not_allowed"),
    ],
)
async def test_names_and_ports_are_refused_before_any_lookup(
    make_settings: Settings, connect_spy: ConnectSpy, dns_spy: DnsSpy, target: str, code: str
) -> None:
    diagnosis = await diagnose(target, make_settings(dns_spy.nameservers))
    assert codes(diagnosis) == [code]
    assert dns_spy.queries == 0
    assert connect_spy.calls == []


async def test_a_name_resolving_to_loopback_is_blocked_dns_rebinding(
    lab: Lab, make_settings: Settings, dns: Dns, connect_spy: ConnectSpy
) -> None:
    zone = Zone(hosts={"imap.example.test": lab.at.sentinel, "mx.example.test": lab.at.sentinel})
    zone.mx.append(("example.test", "mx.example.test", 10))
    before = sum(lab.hits.values())
    settings = make_settings(dns(zone), allow="")
    by_host = await diagnose("imap.example.test:993", settings)
    by_domain = await diagnose("example.test", settings)
    assert codes(by_host) == ["blocked_target"]
    assert "blocked_target" in codes(by_domain, "mx.example.test", 25)
    assert connect_spy.calls == []
    assert sum(lab.hits.values()) == before


async def test_a_name_mixing_public_and_loopback_addresses_is_blocked(
    lab: Lab, make_settings: Settings, dns: Dns, connect_spy: ConnectSpy
) -> None:
    # One public AAAA and one loopback A record for the same name.
    zone = Zone(hosts={"imap.example.test": f"{lab.at.sentinel},2001:4860:4860::8888"})
    diagnosis = await diagnose("imap.example.test:993", make_settings(dns(zone), allow=""))
    assert codes(diagnosis) == ["blocked_target"]
    assert lab.at.sentinel in diagnosis.findings[0].detail
    assert connect_spy.calls == []


async def test_autoconfig_on_an_internal_address_is_not_fetched(
    lab: Lab, make_settings: Settings, dns: Dns, connect_spy: ConnectSpy
) -> None:
    zone = Zone(
        hosts={"autoconfig.example.test": lab.at.http, "example.test": lab.at.http},
        mx=[("example.test", "mx.example.test", 10)],
    )
    document = autoconfig_xml([("imap", "imap.example.test", 993, "SSL")], "example.test")
    lab.serve({("autoconfig.example.test", "/mail/config-v1.1.xml"): (200, document)})
    diagnosis = await diagnose("example.test", make_settings(dns(zone), allow=""))
    blocked = [
        f for f in diagnosis.findings if f.code == "blocked_target" and f.check == "autoconfig"
    ]
    assert len(blocked) == 4  # https and http, autoconfig. and .well-known
    assert "autoconfig_found" not in codes(diagnosis)
    assert [call for call in connect_spy.calls if call[0] == "http"] == []
    assert lab.requests == []


async def test_ispdb_on_another_port_is_refused(
    lab: Lab, make_settings: Settings, dns: Dns, connect_spy: ConnectSpy
) -> None:
    zone = Zone(hosts={"ispdb.fai.test": lab.at.http}, mx=[("example.test", "mx.example.test", 10)])
    settings = make_settings(dns(zone), ispdb_url="http://ispdb.fai.test:8080/v1.1/")
    diagnosis = await diagnose("example.test", settings)
    refused = finding(diagnosis, "port_not_allowed")
    assert "8080" in refused.detail
    assert [call for call in connect_spy.calls if call[0] == "http"] == []


async def test_an_srv_record_pointing_to_another_port_is_not_probed(
    lab: Lab, make_settings: Settings, dns: Dns, connect_spy: ConnectSpy
) -> None:
    zone = Zone(
        hosts={"imap.example.test": lab.at.sentinel},
        srv=[("_imaps._tcp.example.test", "imap.example.test", 6379)],
    )
    diagnosis = await diagnose("example.test", make_settings(dns(zone)))
    assert "port_not_allowed" in codes(diagnosis, "imap.example.test", 6379)
    assert all(call[1][1] != 6379 for call in connect_spy.calls)
