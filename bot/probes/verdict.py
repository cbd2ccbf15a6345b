"""Findings → a French verdict (a Reply of kind DIAGNOSIS): what works, what is wrong, the fix."""

from __future__ import annotations

from bot.buttons import DiagnoseChoice, fits
from bot.probes.model import Diagnosis, Finding
from bot.probes.ports import MAIL_PORTS
from bot.reply import Button, Reply, ReplyKind, Section, SettingRow
from bot.texts import SECURITY_LABELS

ICONS = {"ok": "✅", "warning": "⚠️", "error": "❌", "skipped": "➖"}
_ROLES = {"imap": "Réception (IMAP)", "pop3": "Réception (POP3)", "smtp": "Envoi (SMTP)"}
_PORT_NUMBERS = [str(port) for port in sorted(MAIL_PORTS)]
_TESTED_PORTS = ", ".join(_PORT_NUMBERS[:-1]) + " et " + _PORT_NUMBERS[-1]
# Incoming first, implicit TLS first: the order in which settings are recommended.
_PREFERENCE = (993, 143, 995, 110, 465, 587, 2525)

# code -> (what it means, what to do). {where} is host:port or the domain.
ADVICE: dict[str, tuple[str, str]] = {
    "nxdomain": (
        "{where} n'existe pas dans le DNS.",
        "Vérifiez l'orthographe du domaine ou du serveur dans votre logiciel de messagerie.",
    ),
    "dns_error": (
        "Le DNS de {where} ne répond pas correctement.",
        "Réessayez plus tard ; si cela dure, signalez-le à l'hébergeur du domaine.",
    ),
    "mx_missing": (
        "{where} n'a pas d'enregistrement MX utilisable : il ne peut pas recevoir d'e-mails.",
        "Demandez à votre hébergeur d'ajouter les enregistrements MX de votre messagerie.",
    ),
    "sources_disagree": (
        "Les sources ne donnent pas les mêmes serveurs ({detail}).",
        "Utilisez les réglages qui fonctionnent ci-dessous, ou ceux de votre hébergeur.",
    ),
    "settings_guessed": (
        "Aucune source ne publie les réglages de {where} : ils ont été devinés.",
        "La configuration automatique de votre logiciel risque d'échouer : saisissez les "
        "réglages à la main, ou demandez à votre hébergeur de publier un fichier autoconfig.",
    ),
    "tcp_refused": (
        "{where} refuse la connexion.",
        "Vérifiez le nom du serveur et le port dans votre logiciel ; sinon le service est "
        "arrêté chez l'hébergeur.",
    ),
    "tcp_failed": (
        "{where} est injoignable.",
        "Vérifiez le nom du serveur et le port ; un pare-feu bloque peut-être ce port.",
    ),
    "tcp_timeout": (
        "{where} ne répond pas (délai dépassé).",
        "Un pare-feu bloque sans doute ce port : essayez l'autre port proposé, ou demandez à "
        "votre hébergeur.",
    ),
    "tls_handshake_failed": (
        "La connexion chiffrée avec {where} échoue.",
        "Vérifiez le type de sécurité : SSL/TLS sur 993, 995 et 465, STARTTLS sur 143, 110 et 587.",
    ),
    "tls_old_version": (
        "{where} n'accepte que d'anciennes versions de TLS, refusées par les logiciels récents.",
        "Demandez à votre hébergeur d'activer TLS 1.2 ou 1.3.",
    ),
    "cert_expired": (
        "Le certificat de {where} a expiré.",
        "Demandez à votre hébergeur de renouveler son certificat ; n'acceptez pas l'exception "
        "de sécurité.",
    ),
    "cert_not_yet_valid": (
        "Le certificat de {where} n'est pas encore valide.",
        "Vérifiez la date et l'heure de votre appareil ; sinon prévenez votre hébergeur.",
    ),
    "cert_hostname_mismatch": (
        "Le certificat de {where} est établi pour un autre nom.",
        "Utilisez dans votre logiciel le nom de serveur indiqué par votre hébergeur (celui du "
        "certificat), ou demandez-lui un certificat à ce nom.",
    ),
    "cert_self_signed": (
        "Le certificat de {where} est auto-signé.",
        "Demandez à votre hébergeur un certificat reconnu (Let's Encrypt par exemple).",
    ),
    "cert_untrusted": (
        "Le certificat de {where} vient d'une autorité non reconnue.",
        "Demandez à votre hébergeur un certificat d'une autorité reconnue, avec sa chaîne "
        "complète.",
    ),
    "starttls_missing": (
        "{where} ne propose pas STARTTLS : tout passerait en clair.",
        "Choisissez le port chiffré (993, 995 ou 465) dans votre logiciel, ou demandez à votre "
        "hébergeur d'activer STARTTLS.",
    ),
    "smtp_auth_missing": (
        "{where} n'annonce aucune méthode d'authentification.",
        "Utilisez le port 465 ou 587 indiqué par votre hébergeur, avec authentification.",
    ),
    "protocol_error": (
        "{where} ne répond pas comme un serveur de messagerie ({detail}).",
        "Vérifiez le port : il ne correspond sans doute pas au protocole choisi.",
    ),
    "blocked_target": (
        "{where} n'a pas été testé : c'est une adresse interne ou réservée.",
        "Seuls les serveurs publics peuvent être testés.",
    ),
    "port_not_allowed": (
        "{where} n'a pas été testé : seuls les ports de messagerie le sont.",
        "Ports testés : " + _TESTED_PORTS + ".",
    ),
    "deadline_exceeded": (
        "Le test de {where} n'a pas pu finir à temps.",
        "Relancez le diagnostic dans un instant.",
    ),
    "too_busy": (
        "Trop de diagnostics sont en cours.",
        "Relancez le diagnostic dans un instant.",
    ),
}


def _where(finding: Finding) -> str:
    if finding.port is None:
        return finding.host
    if ":" in finding.host:
        return f"[{finding.host}]:{finding.port}"
    return f"{finding.host}:{finding.port}"


def _problem_lines(findings: list[Finding]) -> list[str]:
    lines: list[str] = []
    for finding in findings:
        if finding.status not in {"error", "warning"}:
            continue
        what, fix = ADVICE.get(finding.code, ("{where} : {detail}", ""))
        text = what.format(where=_where(finding), detail=finding.detail)
        icon = ICONS[finding.status]
        lines.append(f"{icon} {text} {fix}".strip())
    return list(dict.fromkeys(lines))


def _working_servers(findings: list[Finding]) -> list[tuple[str, int]]:
    """Servers whose whole check passed: a verified TLS session and the protocol answered."""
    by_server: dict[tuple[str, int], list[Finding]] = {}
    for finding in findings:
        if finding.port in MAIL_PORTS and finding.check not in {"dns", "target"}:
            by_server.setdefault((finding.host, finding.port), []).append(finding)
    working = []
    for key, group in by_server.items():
        codes = {finding.code for finding in group}
        bad = any(finding.status == "error" for finding in group)
        if not bad and "tls_ok" in codes and codes & {"imap_ok", "pop3_ok", "smtp_ok"}:
            working.append(key)
    return sorted(
        working,
        key=lambda key: (
            _PREFERENCE.index(key[1]) if key[1] in _PREFERENCE else len(_PREFERENCE),
            key[0],
        ),
    )


def _settings(findings: list[Finding]) -> list[SettingRow]:
    rows: list[SettingRow] = []
    seen: set[str] = set()
    for host, port in _working_servers(findings):
        role = MAIL_PORTS[port]
        if port == 25 or role.protocol in seen:
            continue  # port 25 is server to server, not for a mail client
        seen.add(role.protocol)
        rows.append(
            SettingRow(_ROLES[role.protocol], host, str(port), SECURITY_LABELS[role.security])
        )
    return rows


def _counts(findings: list[Finding]) -> tuple[int, int]:
    errors = sum(finding.status == "error" for finding in findings)
    warnings = sum(finding.status == "warning" for finding in findings)
    return errors, warnings


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def summary_text(diagnosis: Diagnosis) -> str:
    errors, warnings = _counts(diagnosis.findings)
    working = len(_working_servers(diagnosis.findings))
    if not errors and not warnings:
        return f"Tout fonctionne : {_plural(working, 'serveur')} sans problème."
    parts = []
    if errors:
        parts.append(_plural(errors, "problème"))
    if warnings:
        parts.append(_plural(warnings, "avertissement"))
    if working == 0:
        return f"{' et '.join(parts)} ; aucun serveur ne fonctionne entièrement."
    verb = "fonctionne" if working == 1 else "fonctionnent"
    return f"{' et '.join(parts)} ; {_plural(working, 'serveur')} {verb} correctement."


# What an ok finding says, in the "Ce qui fonctionne" section.
_DNS_LABELS = {
    "mx_found": "Enregistrements MX : {detail}",
    "srv_found": "Enregistrement SRV : {detail}",
    "autoconfig_found": "Autoconfiguration publiée : {detail}",
    "provider_detected": "Fournisseur reconnu : {detail}",
}
_SERVER_LABELS = {
    "tcp_ok": "connexion établie",
    "starttls_available": "STARTTLS proposé",
    "tls_ok": "chiffrement et certificat valides ({version})",
    "imap_ok": "le serveur IMAP répond",
    "pop3_ok": "le serveur POP3 répond",
    "smtp_ok": "le serveur SMTP répond",
    "smtp_auth_methods": "authentification {detail}",
}


def _working_lines(findings: list[Finding]) -> list[str]:
    lines: list[str] = []
    servers: dict[str, list[str]] = {}
    for finding in findings:
        if finding.status != "ok":
            continue
        if finding.code in _DNS_LABELS:
            lines.append(_DNS_LABELS[finding.code].format(detail=finding.detail))
        elif finding.code in _SERVER_LABELS:
            version = finding.detail.split(" ;", 1)[0]
            label = _SERVER_LABELS[finding.code].format(detail=finding.detail, version=version)
            servers.setdefault(_where(finding), []).append(label)
    lines.extend(f"{where} : {', '.join(labels)}" for where, labels in servers.items())
    return lines


def _relaunch(target: str) -> list[Button]:
    if not fits("rediag", target):
        return []
    return [Button("Relancer", DiagnoseChoice(target, fresh=True).encode())]


def finding_line(finding: Finding) -> str:
    detail = f" — {finding.detail}" if finding.detail else ""
    return f"{ICONS[finding.status]} {finding.check} {_where(finding)} : {finding.code}{detail}"


def diagnosis_reply(diagnosis: Diagnosis) -> Reply:
    """The final verdict, in French."""
    findings = diagnosis.findings
    sections = [Section(title=f"Diagnostic de {diagnosis.target}", summary=diagnosis.summary)]
    problems = _problem_lines(findings)
    if problems:
        sections.append(Section(title="Ce qui ne va pas", steps=problems))
    works = _working_lines(findings)
    if works:
        sections.append(Section(title="Ce qui fonctionne", steps=works[:30]))
    rows = _settings(findings)
    if rows:
        sections.append(
            Section(
                title="Réglages à utiliser",
                summary="Ces serveurs ont répondu correctement, chiffrement vérifié :",
                settings=rows,
                notes=["Identifiant : en général votre adresse e-mail complète."],
            )
        )
    return Reply(
        kind=ReplyKind.DIAGNOSIS,
        sections=sections,
        buttons=_relaunch(diagnosis.target),
        provider=diagnosis.provider,
    )


def progress_reply(target: str, findings: list[Finding]) -> Reply:
    """The message shown while the checks run, with those done so far."""
    steps = [finding_line(finding) for finding in findings[-25:]]
    summary = f"{len(findings)} vérification(s) terminée(s)…" if findings else "Démarrage…"
    return Reply(
        kind=ReplyKind.DIAGNOSIS,
        sections=[Section(title=f"Diagnostic en cours… ({target})", summary=summary, steps=steps)],
    )
