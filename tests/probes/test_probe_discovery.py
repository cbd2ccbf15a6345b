"""Discovery: MX, SRV, autoconfig (domain and ISPDB), the knowledge base, and guesses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from probe_helpers import DnsSpy, codes, diagnose, finding
from servers import DovecotAddresses, Lab, Zone, autoconfig_xml

from bot.kb import KnowledgeBase, Provider
from bot.kb.schema import Auth, Lexicon, Server, Source
from bot.probes import ProbeSettings
from bot.probes.autoconfig import parse_config
from bot.probes.settings import Nameserver

Settings = Callable[..., ProbeSettings]
Dns = Callable[[Zone], tuple[Nameserver, ...]]
XML_PATH = "/mail/config-v1.1.xml"


def provider(**fields: object) -> Provider:
    values: dict[str, object] = {
        "id": "ovh",
        "name": "OVHcloud",
        "help_url": "https://help.ovh.test/mail",
        "servers": [
            Server(protocol="imap", host="ssl0.ovh.test", port=993, security="ssl"),
            Server(protocol="smtp", host="ssl0.ovh.test", port=465, security="ssl"),
            Server(protocol="imap", host="127.0.0.1", port=1143, security="starttls"),
        ],
        "auth": Auth(password_login=True, app_password=False, oauth=False),
        "sources": [Source(url="https://help.ovh.test/mail", checked=dt.date(2026, 11, 1))],
        "mx_patterns": ["*.mail.ovh.test"],
    }
    values.update(fields)
    return Provider.model_validate(values)


def knowledge(*providers: Provider) -> KnowledgeBase:
    return KnowledgeBase({item.id: item for item in providers}, {}, {}, Lexicon(), [])


def _full_zone(lab: Lab, dovecot: DovecotAddresses) -> Zone:
    return Zone(
        hosts={
            "imap.example.test": dovecot.valid,
            "smtp.example.test": lab.at.smtp,
            "mx1.example.test": lab.at.smtp,
            "mx2.example.test": lab.at.hanging,
            "autoconfig.example.test": lab.at.http,
        },
        mx=[("example.test", "mx2.example.test", 20), ("example.test", "mx1.example.test", 10)],
        srv=[
            ("_imaps._tcp.example.test", "imap.example.test", 993),
            ("_submission._tcp.example.test", "smtp.example.test", 587),
        ],
    )


async def test_a_domain_publishing_everything_works_end_to_end(
    lab: Lab, dovecot: DovecotAddresses, dns: Dns, make_settings: Settings
) -> None:
    document = autoconfig_xml(
        [
            ("imap", "imap.%EMAILDOMAIN%", 993, "SSL"),
            ("smtp", "smtp.example.test", 587, "STARTTLS"),
        ],
        "example.test",
    )
    lab.serve({("autoconfig.example.test", XML_PATH): (200, document)})
    diagnosis = await diagnose("contact@example.test", make_settings(dns(_full_zone(lab, dovecot))))
    assert finding(diagnosis, "mx_found").detail == "10 mx1.example.test, 20 mx2.example.test"
    assert finding(diagnosis, "mx_found").port is None
    srv = [item.detail for item in diagnosis.findings if item.code == "srv_found"]
    assert len(srv) == 2
    found = finding(diagnosis, "autoconfig_found")
    assert found.detail.startswith("https://autoconfig.example.test/mail/config-v1.1.xml")
    assert "IMAP imap.example.test:993 (SSL/TLS)" in found.detail
    assert "sources_disagree" not in codes(diagnosis)
    probed = {(item.host, item.port) for item in diagnosis.findings if item.code == "tcp_ok"}
    # The lowest-preference MX on 25 only; the hanging mx2 is not probed.
    assert probed == {
        ("imap.example.test", 993),
        ("smtp.example.test", 587),
        ("mx1.example.test", 25),
    }
    assert all(item.status in {"ok", "skipped"} for item in diagnosis.findings), diagnosis.codes()
    assert diagnosis.provider is None


async def test_the_provider_is_detected_from_the_mx_and_its_servers_probed(
    lab: Lab, dovecot: DovecotAddresses, dns: Dns, make_settings: Settings
) -> None:
    zone = Zone(
        hosts={"mx1.mail.ovh.test": lab.at.smtp, "ssl0.ovh.test": dovecot.valid},
        mx=[("boulangerie.test", "mx1.mail.ovh.test", 1)],
    )
    diagnosis = await diagnose(
        "contact@boulangerie.test", make_settings(dns(zone)), knowledge(provider())
    )
    assert diagnosis.provider == "ovh"
    detected = finding(diagnosis, "provider_detected")
    assert detected.detail == "OVHcloud (MX mx1.mail.ovh.test)"
    assert (detected.host, detected.port) == ("boulangerie.test", None)
    assert "imap_ok" in codes(diagnosis, "ssl0.ovh.test", 993)
    assert codes(diagnosis, "ssl0.ovh.test", 465)  # probed (Dovecot does not serve 465)
    assert not codes(diagnosis, "127.0.0.1")  # the local-bridge entry is never probed
    assert "settings_guessed" not in codes(diagnosis)


async def test_the_provider_is_detected_from_the_domain(
    dns: Dns, make_settings: Settings, lab: Lab
) -> None:
    zone = Zone(hosts={"fai.test": lab.at.refused}, mx=[("fai.test", "mx.fai.test", 10)])
    kb = knowledge(provider(id="fai", name="Le FAI", domains=["fai.test"], mx_patterns=[]))
    diagnosis = await diagnose("jean@fai.test", make_settings(dns(zone)), kb)
    assert diagnosis.provider == "fai"
    assert finding(diagnosis, "provider_detected").detail == "Le FAI (domaine fai.test)"


async def test_a_domain_without_mx_is_a_warning(
    dns: Dns, make_settings: Settings, lab: Lab
) -> None:
    zone = Zone(hosts={"example.test": lab.at.refused})
    diagnosis = await diagnose("example.test", make_settings(dns(zone)))
    missing = finding(diagnosis, "mx_missing")
    assert (missing.status, missing.port, missing.host) == ("warning", None, "example.test")


async def test_a_null_mx_is_mx_missing(dns: Dns, make_settings: Settings) -> None:
    zone = Zone(mx=[("example.test", ".", 0)])
    diagnosis = await diagnose("example.test", make_settings(dns(zone)))
    assert "RFC 7505" in finding(diagnosis, "mx_missing").detail


async def test_a_domain_that_does_not_exist_is_nxdomain_and_nothing_else(
    dns: Dns, make_settings: Settings
) -> None:
    diagnosis = await diagnose("nobody@nulle-part.test", make_settings(dns(Zone())))
    assert codes(diagnosis) == ["nxdomain"]
    assert finding(diagnosis, "nxdomain").status == "error"


async def test_a_server_name_that_does_not_exist_is_nxdomain(
    dns: Dns, make_settings: Settings
) -> None:
    diagnosis = await diagnose("imap.nulle-part.test:993", make_settings(dns(Zone())))
    nx = finding(diagnosis, "nxdomain")
    assert (nx.check, nx.host, nx.port) == ("dns", "imap.nulle-part.test", None)


async def test_a_silent_dns_server_is_a_bounded_dns_error(
    dns_spy: DnsSpy, make_settings: Settings
) -> None:
    settings = make_settings(dns_spy.nameservers, dns_timeout=0.3)
    diagnosis = await diagnose("example.test", settings)
    assert codes(diagnosis) == ["dns_error"]
    assert dns_spy.queries >= 1  # DNS_NAMESERVERS is where the look-ups went


def _publishing(lab: Lab, dovecot: DovecotAddresses, web_host: str) -> tuple[Zone, bytes]:
    """example.test with an IMAP server, and WEB_HOST on the HTTP server of the lab."""
    zone = Zone(
        hosts={web_host: lab.at.http, "imap.example.test": dovecot.valid},
        mx=[("example.test", "mx.example.test", 10)],
    )
    return zone, autoconfig_xml([("imap", "imap.example.test", 993, "SSL")], "example.test")


async def test_well_known_autoconfig_over_http_is_the_fallback(
    lab: Lab, dovecot: DovecotAddresses, dns: Dns, make_settings: Settings
) -> None:
    zone, document = _publishing(lab, dovecot, "example.test")
    path = "/.well-known/autoconfig/mail/config-v1.1.xml"
    lab.serve({("http", "example.test", path): (200, document)})  # HTTPS answers 404
    diagnosis = await diagnose("example.test", make_settings(dns(zone)))
    found = finding(diagnosis, "autoconfig_found")
    assert found.detail.startswith("http://example.test/.well-known/autoconfig/")
    assert lab.requests.count(("example.test", path)) == 2  # HTTPS first, then HTTP
    assert "imap_ok" in codes(diagnosis, "imap.example.test", 993)


async def test_the_ispdb_is_asked_at_the_configured_url(
    lab: Lab, dovecot: DovecotAddresses, dns: Dns, make_settings: Settings
) -> None:
    zone, document = _publishing(lab, dovecot, "ispdb.fai.test")
    lab.serve({("ispdb.fai.test", "/v1.1/example.test"): (200, document)})
    diagnosis = await diagnose("example.test", make_settings(dns(zone)))
    ispdb = finding(diagnosis, "autoconfig_found")
    assert ispdb.check == "ispdb"
    assert ispdb.detail.startswith("http://ispdb.fai.test/v1.1/example.test :")
    assert "autoconfig_missing" in codes(diagnosis)


async def test_sources_that_disagree_are_reported(
    lab: Lab, dovecot: DovecotAddresses, dns: Dns, make_settings: Settings
) -> None:
    zone = Zone(
        hosts={"autoconfig.boulangerie.test": lab.at.http, "imap.boulangerie.test": dovecot.valid},
        mx=[("boulangerie.test", "mx1.mail.ovh.test", 1)],
    )
    document = autoconfig_xml([("imap", "imap.boulangerie.test", 993, "SSL")], "boulangerie.test")
    lab.serve({("autoconfig.boulangerie.test", XML_PATH): (200, document)})
    diagnosis = await diagnose("boulangerie.test", make_settings(dns(zone)), knowledge(provider()))
    disagree = finding(diagnosis, "sources_disagree")
    assert disagree.status == "warning"
    assert "autoconfig du domaine : imap.boulangerie.test" in disagree.detail
    assert "base de connaissances : ssl0.ovh.test" in disagree.detail


async def test_without_any_source_the_usual_names_are_guessed(
    lab: Lab, dovecot: DovecotAddresses, dns: Dns, make_settings: Settings
) -> None:
    zone = Zone(
        hosts={"imap.example.test": dovecot.valid, "mail.example.test": lab.at.smtp},
        mx=[("example.test", "mx.example.test", 10)],
    )
    diagnosis = await diagnose("example.test", make_settings(dns(zone)))
    guessed = finding(diagnosis, "settings_guessed")
    assert guessed.status == "warning"
    assert "trouvés : imap.example.test, mail.example.test" in guessed.detail
    probed = {(item.host, item.port) for item in diagnosis.findings if item.code == "tcp_ok"}
    assert probed >= {("imap.example.test", 993), ("imap.example.test", 143)}
    assert ("mail.example.test", 587) in probed
    assert "srv_missing" in codes(diagnosis)


def test_autoconfig_parsing_keeps_valid_servers_only() -> None:
    document = autoconfig_xml(
        [
            ("imap", "imap.%EMAILDOMAIN%", 993, "SSL"),
            ("pop3", "pop.example.test", 995, "SSL"),
            ("smtp", "smtp.example.test", 587, "STARTTLS"),
            ("imap", "not a host", 993, "SSL"),
            ("imap", "imap2.example.test", "x", "SSL"),  # type: ignore[list-item]
        ],
        "example.test",
    )
    servers = parse_config(document, "example.test", "autoconfig")
    assert [(s.protocol, s.host, s.port, s.security) for s in servers] == [
        ("imap", "imap.example.test", 993, "ssl"),
        ("pop3", "pop.example.test", 995, "ssl"),
        ("smtp", "smtp.example.test", 587, "starttls"),
    ]


def test_hostile_xml_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
        b"<clientConfig><emailProvider><incomingServer type='imap'><hostname>&lol2;</hostname>"
        b"</incomingServer></emailProvider></clientConfig>"
    )
    assert parse_config(bomb, "example.test", "autoconfig") == []
    assert parse_config(b"<html>nope</html>", "example.test", "autoconfig") == []
    assert parse_config(b"\xff\xfe garbage", "example.test", "autoconfig") == []
