"""TARGET syntax, the guard's address vetting and the settings read from the environment."""

from __future__ import annotations

import ipaddress

import pytest

from bot.probes import ProbeSettings, TargetError
from bot.probes.guard import Guard, Refused, check_http_port, check_mail_port
from bot.probes.settings import Nameserver, parse_nameservers
from bot.probes.target import parse_target


@pytest.mark.parametrize(
    ("text", "host", "port", "is_domain"),
    [
        ("contact@Boulangerie-Martin.FR", "boulangerie-martin.fr", None, True),
        ("boulangerie-martin.fr.", "boulangerie-martin.fr", None, True),
        ("mail.example.org:993", "mail.example.org", 993, False),
        ("[2001:db8::1]:587", "2001:db8::1", 587, False),
        ("2001:db8::1", "2001:db8::1", None, False),
        ("[2001:db8::2]", "2001:db8::2", None, False),
        ("user@[192.0.2.7]", "192.0.2.7", None, False),
        ("user@[IPv6:2001:db8::3]", "2001:db8::3", None, False),
        ("exämple.fr", "xn--exmple-cua.fr", None, True),
        ("localhost", "localhost", None, True),
    ],
)
def test_target_forms(text: str, host: str, port: int | None, is_domain: bool) -> None:
    target = parse_target(text)
    assert (target.host, target.port, target.is_domain) == (host, port, is_domain)


@pytest.mark.parametrize(
    "text", ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "127.0.0.1"]
)
def test_every_numeric_ipv4_spelling_is_an_ip_literal(text: str) -> None:
    target = parse_target(f"{text}:993")
    assert target.ip == ipaddress.ip_address("127.0.0.1")
    assert (target.host, target.port) == ("127.0.0.1", 993)


@pytest.mark.parametrize("text", ["localhost", "LOCALHOST.", "imap.localhost:993", "a@b.localhost"])
def test_localhost_is_refused_by_name(text: str) -> None:
    assert parse_target(text).refused_name


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "mail.example.org:99999",
        "mail.example.org:0",
        "mail.example.org:imap",
        "[2001:db8::1]993",
        "[mail.example.org]:993",
        "@example.org",
        "user@",
        "user@example.org:993",
        "user@[not-an-ip]",
        "exa mple.org",
        "-bad-.example.org",
        "intranet",
        "1.2.3.4.5",
        "a" * 400,
    ],
)
def test_bad_targets_raise_a_french_target_error(text: str) -> None:
    with pytest.raises(TargetError) as error:
        parse_target(text)
    assert any(word in str(error.value) for word in ("Indiquez", "indiquez", "valide", "port"))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "::",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "fe80::1",
        "fc00::1",
        "100.64.0.1",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "192.0.2.1",
        "::ffff:10.0.0.1",
    ],
)
def test_the_guard_refuses_internal_and_reserved_addresses(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert not Guard().allowed(ip)
    with pytest.raises(Refused) as refusal:
        Guard().vet("host.example", [ip])
    assert refusal.value.code == "blocked_target"


def test_the_guard_accepts_public_addresses_and_allowed_ranges() -> None:
    assert Guard().allowed(ipaddress.ip_address("8.8.8.8"))
    assert Guard().allowed(ipaddress.ip_address("2a00:1450:4007:80e::2005"))
    allowing = Guard([ipaddress.ip_network("127.0.0.0/8")])
    assert allowing.allowed(ipaddress.ip_address("127.0.0.1"))
    assert allowing.allowed(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not allowing.allowed(ipaddress.ip_address("::1"))


def test_a_name_with_one_internal_address_is_refused_whole() -> None:
    addresses = [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("127.0.0.1")]
    with pytest.raises(Refused):
        Guard().vet("rebind.example", addresses)


def test_mapped_addresses_connect_to_the_ipv4_address() -> None:
    allowing = Guard([ipaddress.ip_network("127.0.0.0/8")])
    vetted = allowing.vet("x", [ipaddress.ip_address("::ffff:127.0.0.9")])
    assert vetted.address == ipaddress.ip_address("127.0.0.9")


@pytest.mark.parametrize("port", [993, 143, 995, 110, 465, 587, 25, 2525])
def test_mail_ports_are_allowed(port: int) -> None:
    check_mail_port(port)


@pytest.mark.parametrize("port", [22, 80, 443, 3306, 6379, 8080, 1143])
def test_other_ports_are_not(port: int) -> None:
    with pytest.raises(Refused) as refusal:
        check_mail_port(port)
    assert refusal.value.code == "port_not_allowed"


def test_http_ports_only_for_autoconfig() -> None:
    check_http_port(80)
    check_http_port(443)
    with pytest.raises(Refused):
        check_http_port(8080)


def test_nameserver_spellings() -> None:
    assert parse_nameservers("192.0.2.53, 127.0.0.1:5353 [::1]:5300 ::1") == (
        Nameserver("192.0.2.53", 53),
        Nameserver("127.0.0.1", 5353),
        Nameserver("::1", 5300),
        Nameserver("::1", 53),
    )


@pytest.mark.parametrize("value", ["dns.example", "1.2.3.4:x", "[::1]x", "[::1]:99999"])
def test_bad_nameservers_name_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="DNS_NAMESERVERS"):
        parse_nameservers(value)


def test_settings_from_env() -> None:
    settings = ProbeSettings.from_env(
        {
            "DNS_NAMESERVERS": "127.0.0.1:5353",
            "PROBE_ALLOW_NETWORKS": "127.0.0.0/8, ::1/128",
            "PROBE_ISPDB_URL": "http://ispdb.test/v1.1/",
            "PROBE_DEADLINE": "2.5",
            "PROBE_MAX_CONCURRENT": "3",
        }
    )
    assert settings.nameservers == (Nameserver("127.0.0.1", 5353),)
    assert [str(net) for net in settings.allow_networks] == ["127.0.0.0/8", "::1/128"]
    assert settings.ispdb_url == "http://ispdb.test/v1.1/"
    assert (settings.deadline, settings.max_concurrent) == (2.5, 3)


def test_default_settings_refuse_loopback_and_cap_the_deadline() -> None:
    settings = ProbeSettings.from_env({})
    assert settings.allow_networks == ()
    assert settings.deadline == 15.0
    assert not Guard(settings.allow_networks).allowed(ipaddress.ip_address("127.0.0.1"))
    with pytest.raises(ValueError, match="PROBE_DEADLINE"):
        ProbeSettings.from_env({"PROBE_DEADLINE": "60"})
    with pytest.raises(ValueError, match="PROBE_ALLOW_NETWORKS"):
        ProbeSettings.from_env({"PROBE_ALLOW_NETWORKS": "not-a-network"})
