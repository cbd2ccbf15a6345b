"""What a diagnosis produces: findings, each with a stable code, and the diagnosis itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from bot.kb import Provider

Status = Literal["ok", "warning", "error", "skipped"]

OK_CODES = frozenset(
    {
        "mx_found",
        "srv_found",
        "autoconfig_found",
        "provider_detected",
        "tcp_ok",
        "tls_ok",
        "starttls_available",
        "smtp_auth_methods",
        "imap_ok",
        "pop3_ok",
        "smtp_ok",
    }
)
WARNING_CODES = frozenset(
    {"mx_missing", "sources_disagree", "settings_guessed", "smtp_auth_missing"}
)
SKIPPED_CODES = frozenset({"srv_missing", "autoconfig_missing", "deadline_exceeded"})
# Everything else is an error: cert_*, tcp_refused, tcp_timeout, tcp_failed, tls_handshake_failed,
# tls_old_version, nxdomain, dns_error, protocol_error, starttls_missing, blocked_target,
# port_not_allowed, too_busy.

SMTP_RELAY_PORT = 25


def status_for(code: str, port: int | None = None) -> Status:
    """The status a code carries; starttls_missing is only a warning server to server (25)."""
    if code in OK_CODES:
        return "ok"
    if code in WARNING_CODES:
        return "warning"
    if code in SKIPPED_CODES:
        return "skipped"
    if code == "starttls_missing" and port == SMTP_RELAY_PORT:
        return "warning"
    return "error"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # "dns", "mx", "srv", "autoconfig", "provider", "target", "tcp", "tls", "imap"...
    host: str  # lower-case, no trailing dot; the IP only when the target was an IP
    port: int | None  # None for DNS-level findings
    status: Status
    code: str
    detail: str = ""

    @classmethod
    def of(cls, check: str, host: str, port: int | None, code: str, detail: str = "") -> Finding:
        return cls(check, host, port, status_for(code, port), code, detail)


@dataclass(slots=True)
class Diagnosis:
    target: str
    provider: str | None = None  # a knowledge-base id
    findings: list[Finding] = field(default_factory=list)
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "provider": self.provider,
            "findings": [asdict(finding) for finding in self.findings],
            "summary": self.summary,
        }

    def codes(self) -> list[str]:
        return [finding.code for finding in self.findings]


class ProbeError(Exception):
    """A step that failed; CODE is the finding code, DETAIL a French explanation."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """A server some source advertises: SRV, autoconfig, ISPDB or the knowledge base."""

    protocol: str  # "imap", "pop3" or "smtp"
    host: str
    port: int
    security: str  # "ssl", "starttls" or "none"
    source: str

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class Providers(Protocol):
    """The knowledge-base look-ups the probes use (bot.kb.KnowledgeBase has them)."""

    def provider_by_domain(self, domain: str) -> Provider | None: ...
    def provider_by_host(self, host: str) -> Provider | None: ...
    def provider_by_mx(self, mx_host: str) -> Provider | None: ...


class NoProviders:
    """No knowledge base: provider detection is off."""

    def provider_by_domain(self, domain: str) -> Provider | None:
        return None

    def provider_by_host(self, host: str) -> Provider | None:
        return None

    def provider_by_mx(self, mx_host: str) -> Provider | None:
        return None
