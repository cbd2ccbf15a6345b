"""Which ports may be probed, and what each one speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Protocol = Literal["imap", "pop3", "smtp"]
Security = Literal["ssl", "starttls"]


@dataclass(frozen=True, slots=True)
class PortRole:
    protocol: Protocol
    security: Security  # "ssl": implicit TLS; "starttls": STARTTLS/STLS upgrade


MAIL_PORTS: dict[int, PortRole] = {
    993: PortRole("imap", "ssl"),
    143: PortRole("imap", "starttls"),
    995: PortRole("pop3", "ssl"),
    110: PortRole("pop3", "starttls"),
    465: PortRole("smtp", "ssl"),
    587: PortRole("smtp", "starttls"),
    2525: PortRole("smtp", "starttls"),
    25: PortRole("smtp", "starttls"),
}
HTTP_PORTS = frozenset({80, 443})  # autoconfig fetches only
SUBMISSION_PORTS = frozenset({465, 587, 2525})
# Probed when a server is named without a port (an IP literal, user@[ip]).
USUAL_PORTS = (993, 143, 995, 110, 465, 587, 25)
