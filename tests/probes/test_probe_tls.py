"""TLS and certificates, against Dovecot (IMAP, POP3) and aiosmtpd (SMTP) on loopback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from probe_helpers import codes, diagnose, finding
from servers import DovecotAddresses, Lab, Zone

from bot.probes import ProbeSettings
from bot.probes.settings import Nameserver

Settings = Callable[..., ProbeSettings]
Dns = Callable[[Zone], tuple[Nameserver, ...]]
CASES = {
    "expired": "cert_expired",
    "not_yet_valid": "cert_not_yet_valid",
    "wrong_name": "cert_hostname_mismatch",
    "self_signed": "cert_self_signed",
    "untrusted": "cert_untrusted",
}


def _zone(lab: Lab, dovecot: DovecotAddresses) -> Zone:
    hosts = {f"{case.replace('_', '-')}.example.test": getattr(dovecot, case) for case in CASES}
    hosts["valid.example.test"] = dovecot.valid
    hosts["smtp.example.test"] = lab.at.smtp
    hosts["expired-smtp.example.test"] = lab.at.smtp_expired
    hosts["old.example.test"] = lab.at.smtp_old_tls
    hosts["hang.example.test"] = lab.at.hanging
    return Zone(hosts=hosts)


@pytest.fixture
def tls_settings(
    lab: Lab, dovecot: DovecotAddresses, dns: Dns, make_settings: Settings
) -> ProbeSettings:
    return make_settings(dns(_zone(lab, dovecot)))


@pytest.mark.parametrize("port", [993, 143, 995, 110])
async def test_a_valid_certificate_is_tls_ok_with_its_details(
    tls_settings: ProbeSettings, port: int
) -> None:
    diagnosis = await diagnose(f"valid.example.test:{port}", tls_settings)
    ok = finding(diagnosis, "tls_ok")
    assert ok.status == "ok"
    assert ok.host == "valid.example.test"
    assert "TLSv1.3" in ok.detail
    assert "émetteur" in ok.detail
    assert "valide du" in ok.detail
    assert all(item.status == "ok" for item in diagnosis.findings), diagnosis.codes()


@pytest.mark.parametrize("port", [993, 143, 995, 110])
@pytest.mark.parametrize(("case", "code"), list(CASES.items()))
async def test_each_bad_certificate_is_named_also_after_starttls(
    tls_settings: ProbeSettings, case: str, code: str, port: int
) -> None:
    host = f"{case.replace('_', '-')}.example.test"
    diagnosis = await diagnose(f"{host}:{port}", tls_settings)
    bad = finding(diagnosis, code)
    assert (bad.status, bad.check, bad.host, bad.port) == ("error", "tls", host, port)
    assert "sujet" in bad.detail
    assert "émetteur" in bad.detail
    assert "tls_ok" not in codes(diagnosis)
    # The capabilities are still read, over an unverified session, and said to be.
    protocol = "imap_ok" if port in (993, 143) else "pop3_ok"
    assert "sans vérifier" in finding(diagnosis, protocol).detail


async def test_certificate_details_name_the_dates_and_issuer(tls_settings: ProbeSettings) -> None:
    expired = finding(await diagnose("expired.example.test:993", tls_settings), "cert_expired")
    untrusted = finding(
        await diagnose("untrusted.example.test:993", tls_settings), "cert_untrusted"
    )
    assert "expired" in expired.detail
    assert "Autorité inconnue" not in expired.detail
    assert "émetteur" in untrusted.detail
    mismatch = finding(
        await diagnose("wrong-name.example.test:993", tls_settings), "cert_hostname_mismatch"
    )
    assert "ailleurs.invalid" in mismatch.detail


async def test_smtp_certificate_is_checked_after_starttls(tls_settings: ProbeSettings) -> None:
    diagnosis = await diagnose("expired-smtp.example.test:587", tls_settings)
    assert codes(diagnosis) == [
        "tcp_ok",
        "starttls_available",
        "cert_expired",
        "smtp_ok",
        "smtp_auth_methods",
    ]


@pytest.mark.parametrize("port", [465, 587, 25, 2525])
async def test_smtp_with_a_valid_certificate(tls_settings: ProbeSettings, port: int) -> None:
    diagnosis = await diagnose(f"smtp.example.test:{port}", tls_settings)
    expected = ["tcp_ok", "tls_ok", "smtp_ok", "smtp_auth_methods"]
    if port != 465:
        expected.insert(1, "starttls_available")
    assert codes(diagnosis) == expected
    assert finding(diagnosis, "smtp_auth_methods").detail == "LOGIN PLAIN"


async def test_a_server_offering_only_old_tls_is_named(tls_settings: ProbeSettings) -> None:
    diagnosis = await diagnose("old.example.test:465", tls_settings)
    old = finding(diagnosis, "tls_old_version")
    assert old.status == "error"
    assert "TLSv1.1" in old.detail


@pytest.mark.parametrize("port", [993, 995, 465])
async def test_silence_on_an_implicit_tls_port_is_a_failed_handshake(
    tls_settings: ProbeSettings, port: int
) -> None:
    diagnosis = await diagnose(f"hang.example.test:{port}", tls_settings)
    assert codes(diagnosis) == ["tcp_ok", "tls_handshake_failed"]
    assert "aucune réponse" in finding(diagnosis, "tls_handshake_failed").detail


async def test_clear_text_on_an_implicit_tls_port_is_a_failed_handshake(
    lab: Lab, make_settings: Settings
) -> None:
    diagnosis = await diagnose(f"{lab.at.nonsense}:993", make_settings())
    assert codes(diagnosis) == ["tcp_ok", "tls_handshake_failed"]
    assert "aucune réponse" not in finding(diagnosis, "tls_handshake_failed").detail


async def test_an_ip_target_checks_the_certificate_against_the_ip(
    lab: Lab, make_settings: Settings
) -> None:
    diagnosis = await diagnose(f"{lab.at.smtp}:465", make_settings())
    assert "cert_hostname_mismatch" in codes(diagnosis, lab.at.smtp, 465)
