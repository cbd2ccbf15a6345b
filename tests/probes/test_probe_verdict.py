"""The French verdict, the progress message, the JSON shape and the CLI entry point."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from probe_helpers import diagnose
from servers import Lab

from bot.buttons import DiagnoseChoice, decode
from bot.probes import Diagnosis, Finding, ProbeSettings, diagnosis_reply, progress_reply
from bot.probes.command import main
from bot.probes.model import status_for
from bot.render import render_html, render_text
from bot.reply import ReplyKind

Settings = Callable[..., ProbeSettings]


def _diagnosis(*findings: Finding, target: str = "example.fr") -> Diagnosis:
    from bot.probes.verdict import summary_text

    diagnosis = Diagnosis(target, None, list(findings))
    diagnosis.summary = summary_text(diagnosis)
    return diagnosis


WORKING_IMAP = [
    Finding.of("tcp", "imap.example.fr", 993, "tcp_ok"),
    Finding.of("tls", "imap.example.fr", 993, "tls_ok", "TLSv1.3 ; sujet imap.example.fr"),
    Finding.of("imap", "imap.example.fr", 993, "imap_ok", "IMAP4rev1 IDLE"),
]
WORKING_SMTP = [
    Finding.of("tcp", "smtp.example.fr", 587, "tcp_ok"),
    Finding.of("starttls", "smtp.example.fr", 587, "starttls_available"),
    Finding.of("tls", "smtp.example.fr", 587, "tls_ok", "TLSv1.3"),
    Finding.of("smtp", "smtp.example.fr", 587, "smtp_ok"),
    Finding.of("smtp", "smtp.example.fr", 587, "smtp_auth_methods", "PLAIN LOGIN"),
]


@pytest.mark.parametrize(
    ("code", "port", "status"),
    [
        ("mx_found", None, "ok"),
        ("provider_detected", None, "ok"),
        ("starttls_available", 587, "ok"),
        ("smtp_auth_methods", 587, "ok"),
        ("mx_missing", None, "warning"),
        ("starttls_missing", 587, "error"),
        ("starttls_missing", 25, "warning"),
        ("cert_expired", 993, "error"),
        ("tcp_timeout", 993, "error"),
        ("nxdomain", None, "error"),
        ("blocked_target", 993, "error"),
        ("port_not_allowed", 8080, "error"),
    ],
)
def test_statuses_follow_the_issue(code: str, port: int | None, status: str) -> None:
    assert status_for(code, port) == status


def test_a_working_setup_gives_the_settings_to_use() -> None:
    reply = diagnosis_reply(_diagnosis(*WORKING_IMAP, *WORKING_SMTP))
    assert reply.kind is ReplyKind.DIAGNOSIS
    text = render_text(reply)
    assert text.lower().startswith("diagnostic de example.fr\ntout fonctionne")
    assert "réglages à utiliser" in text.lower()
    assert "• Réception (IMAP) : imap.example.fr, port 993, SSL/TLS" in text
    assert "• Envoi (SMTP) : smtp.example.fr, port 587, STARTTLS" in text
    assert "ce qui ne va pas" not in text.lower()


def test_problems_say_what_to_change_with_vous() -> None:
    reply = diagnosis_reply(
        _diagnosis(
            *WORKING_IMAP,
            Finding.of("tcp", "smtp.example.fr", 587, "tcp_ok"),
            Finding.of("starttls", "smtp.example.fr", 587, "starttls_missing"),
            Finding.of("tls", "pop.example.fr", 995, "cert_expired", "expired — sujet x"),
        )
    )
    text = render_text(reply)
    assert "ce qui ne va pas" in text.lower()
    assert "smtp.example.fr:587 ne propose pas STARTTLS" in text
    assert "votre logiciel" in text
    assert "Le certificat de pop.example.fr:995 a expiré" in text
    assert "hébergeur" in text
    assert "Envoi (SMTP)" not in text  # a server with a problem is not recommended
    assert "2 problèmes ; 1 serveur fonctionne correctement." in text


def test_the_relancer_button_reruns_fresh_when_the_target_fits() -> None:
    reply = diagnosis_reply(_diagnosis(*WORKING_IMAP, target="contact@example.fr"))
    assert [button.text for button in reply.buttons] == ["Relancer"]
    assert decode(reply.buttons[0].data) == DiagnoseChoice("contact@example.fr", fresh=True)
    long_target = "a" * 40 + "@" + "b" * 30 + ".fr"
    assert diagnosis_reply(_diagnosis(target=long_target)).buttons == []


def test_user_text_is_escaped_in_html() -> None:
    reply = diagnosis_reply(
        _diagnosis(Finding.of("imap", "x.fr", 143, "protocol_error", "<b>salut</b> & co"))
    )
    html = render_html(reply)
    assert "&lt;b&gt;salut&lt;/b&gt; &amp; co" in html


def test_progress_lists_the_checks_so_far() -> None:
    reply = progress_reply("example.fr", WORKING_IMAP[:2])
    text = render_text(reply)
    assert text.lower().startswith("diagnostic en cours… (example.fr)")
    assert "2 vérification(s) terminée(s)" in text
    assert "✅ tls imap.example.fr:993 : tls_ok" in text
    assert "Démarrage" in render_text(progress_reply("example.fr", []))


def test_json_has_the_issue_shape() -> None:
    data = _diagnosis(*WORKING_IMAP).to_json()
    assert set(data) == {"target", "provider", "findings", "summary"}
    assert data["findings"][0] == {
        "check": "tcp",
        "host": "imap.example.fr",
        "port": 993,
        "status": "ok",
        "code": "tcp_ok",
        "detail": "",
    }
    json.dumps(data)


async def test_a_real_diagnosis_renders(lab: Lab, make_settings: Settings) -> None:
    diagnosis = await diagnose(f"{lab.at.smtp_plain}:587", make_settings())
    text = render_text(diagnosis_reply(diagnosis))
    assert "ne propose pas STARTTLS" in text


@pytest.fixture
def cli_env(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(lab.certs.ca_file))
    monkeypatch.setenv("PROBE_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("DNS_NAMESERVERS", "127.0.0.1:9")  # nothing answers: no look-up needed
    monkeypatch.setenv("PROBE_DEADLINE", "3")
    monkeypatch.setenv("AIDEMAIL_KNOWLEDGE_DIR", str(lab.directory / "no-knowledge"))


def test_cli_prints_json_and_exits_0_whatever_the_findings(
    lab: Lab, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(f"{lab.at.refused}:993", as_json=True) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target"] == f"{lab.at.refused}:993"
    assert [item["code"] for item in data["findings"]] == ["tcp_refused"]


def test_cli_prints_the_french_verdict(
    lab: Lab, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(f"{lab.at.smtp_plain}:25", as_json=False) == 0
    out = capsys.readouterr().out
    assert out.lower().startswith(f"diagnostic de {lab.at.smtp_plain}:25")
    assert "ne propose pas STARTTLS" in out


@pytest.mark.parametrize("target", ["", "exa mple.fr", "mail.example.fr:99999", "user@"])
def test_cli_exits_2_on_bad_usage(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(target, as_json=True) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("aidemail: ")


def test_cli_exits_2_on_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DNS_NAMESERVERS", "not-an-ip")
    assert main("example.fr", as_json=False) == 2
    assert "DNS_NAMESERVERS" in capsys.readouterr().err
