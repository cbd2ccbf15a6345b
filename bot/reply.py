"""A reply is plain data; front-ends render it (see bot.render)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ReplyKind(StrEnum):
    ANSWER = "answer"  # a topic was matched and answered
    CLARIFY = "clarify"  # a short question, with buttons, before answering
    DECLINE = "decline"  # outside the bot's field, or not understood
    INFO = "info"  # help texts, settings cards, command usage
    DIAGNOSIS = "diagnosis"  # the verdict of a live probe


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str  # opaque to front-ends; the engine parses it back (bot.buttons)


@dataclass(frozen=True, slots=True)
class SettingRow:
    role: str  # e.g. "Réception (IMAP)"
    host: str
    port: str  # "465" or "465 (ou 587)"
    security: str  # e.g. "SSL/TLS"
    note: str = ""


@dataclass(slots=True)
class Section:
    """One answered question: the direct answer first, the details after."""

    title: str
    summary: str = ""
    settings: list[SettingRow] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    link: str | None = None
    topic: str | None = None


@dataclass(slots=True)
class Reply:
    kind: ReplyKind
    sections: list[Section] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    topic: str | None = None
    topics: list[str] = field(default_factory=list)
    provider: str | None = None
    device: str | None = None
    confidence: int = 0
    assumed: str = ""  # "Fournisseur supposé : Orange · Appareil : iPhone"
    asks: str | None = None  # with CLARIFY: "provider" or "device"
    secret_detected: bool = False  # the message seemed to hold a password (never echoed)

    @property
    def matched(self) -> bool:
        return self.kind is ReplyKind.ANSWER


def notice(text: str) -> Reply:
    """A one-paragraph Reply: usage lines, refusals, status messages."""
    return Reply(ReplyKind.INFO, [Section(title="", summary=text)])
