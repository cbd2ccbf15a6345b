"""TCP outcomes, greetings and capabilities: IMAP, POP3 and SMTP on their ports."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from probe_helpers import codes, diagnose, finding
from servers import DovecotAddresses, Lab

from bot.probes import ProbeSettings

Settings = Callable[..., ProbeSettings]


async def test_imap_capabilities_after_starttls(
    dovecot: DovecotAddresses, make_settings: Settings
) -> None:
    # An IP target: the certificate check fails on the IP, the capabilities are still read.
    diagnosis = await diagnose(f"{dovecot.valid}:143", make_settings())
    imap = finding(diagnosis, "imap_ok")
    assert "IMAP4rev1" in imap.detail
    assert "STARTTLS" not in imap.detail.split(" — ")[0]  # read again after the upgrade
    assert "starttls_available" in codes(diagnosis)


async def test_pop3_capabilities_after_stls(
    dovecot: DovecotAddresses, make_settings: Settings
) -> None:
    diagnosis = await diagnose(f"{dovecot.valid}:110", make_settings())
    assert "STLS proposé" in finding(diagnosis, "starttls_available").detail
    assert "UIDL" in finding(diagnosis, "pop3_ok").detail


@pytest.mark.parametrize("port", [143, 110])
async def test_dovecot_without_tls_is_flagged_starttls_missing(
    dovecot: DovecotAddresses, make_settings: Settings, port: int
) -> None:
    diagnosis = await diagnose(f"{dovecot.plain}:{port}", make_settings())
    missing = finding(diagnosis, "starttls_missing")
    assert (missing.status, missing.port) == ("error", port)
    assert "imap_ok" in codes(diagnosis) or "pop3_ok" in codes(diagnosis)
    assert "tls_ok" not in codes(diagnosis)


@pytest.mark.parametrize(("port", "status"), [(587, "error"), (25, "warning")])
async def test_smtp_in_clear_is_an_error_on_submission_a_warning_on_25(
    lab: Lab, make_settings: Settings, port: int, status: str
) -> None:
    diagnosis = await diagnose(f"{lab.at.smtp_plain}:{port}", make_settings())
    assert codes(diagnosis)[:3] == ["tcp_ok", "starttls_missing", "smtp_ok"]
    assert finding(diagnosis, "starttls_missing").status == status


async def test_smtp_auth_is_read_again_after_starttls(lab: Lab, make_settings: Settings) -> None:
    # This server announces AUTH only once TLS is on (aiosmtpd auth_require_tls).
    upgraded = await diagnose(f"{lab.at.smtp}:2525", make_settings())
    assert finding(upgraded, "smtp_auth_methods").detail == "LOGIN PLAIN"
    # This one announces it in clear, with no STARTTLS: both are reported.
    clear = await diagnose(f"{lab.at.smtp_plain}:587", make_settings())
    assert {"starttls_missing", "smtp_auth_methods"} <= set(codes(clear))


@pytest.mark.parametrize("port", [143, 110, 587])
async def test_a_server_speaking_something_else_is_a_protocol_error(
    lab: Lab, make_settings: Settings, port: int
) -> None:
    diagnosis = await diagnose(f"{lab.at.nonsense}:{port}", make_settings())
    assert codes(diagnosis) == ["tcp_ok", "protocol_error"]
    assert "SSH-2.0" in finding(diagnosis, "protocol_error").detail or port == 587


@pytest.mark.parametrize("port", [143, 110, 587, 25])
async def test_silence_on_a_plain_port_is_a_protocol_error_after_one_timeout(
    lab: Lab, make_settings: Settings, port: int
) -> None:
    settings = make_settings(io_timeout=0.5)
    diagnosis = await diagnose(f"{lab.at.hanging}:{port}", settings)
    assert codes(diagnosis) == ["tcp_ok", "protocol_error"]
    assert "aucune réponse" in finding(diagnosis, "protocol_error").detail


@pytest.mark.parametrize("port", [993, 995, 465, 587, 25])
async def test_nothing_listening_is_tcp_refused(
    lab: Lab, make_settings: Settings, port: int
) -> None:
    diagnosis = await diagnose(f"{lab.at.refused}:{port}", make_settings())
    assert codes(diagnosis) == ["tcp_refused"]
    assert finding(diagnosis, "tcp_refused").status == "error"


@pytest.mark.parametrize("port", [993, 587])
async def test_an_unanswered_connect_is_tcp_timeout(
    lab: Lab, make_settings: Settings, port: int
) -> None:
    diagnosis = await diagnose(f"{lab.at.full_backlog}:{port}", make_settings(connect_timeout=0.4))
    assert codes(diagnosis) == ["tcp_timeout"]


async def test_an_ip_target_without_port_probes_the_usual_ports(
    lab: Lab, make_settings: Settings
) -> None:
    diagnosis = await diagnose(f"user@[{lab.at.smtp}]", make_settings())
    ports = {item.port for item in diagnosis.findings}
    assert ports == {993, 143, 995, 110, 465, 587, 25}
    assert set(codes(diagnosis, port=993)) == {"tcp_refused"}
    assert "smtp_ok" in codes(diagnosis, port=25)
    assert all(item.host == lab.at.smtp for item in diagnosis.findings)
