"""Shapes of the knowledge files. Validation errors name the file, the entry and the field."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Server(Strict):
    protocol: Literal["imap", "pop3", "smtp"]
    # A host name, or the loopback address of a local bridge (Proton Mail Bridge).
    host: str = Field(pattern=r"^(?:[a-z0-9.-]+\.[a-z]{2,}|127\.0\.0\.1)$")
    port: int = Field(ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"]
    note: str | None = None


class Auth(Strict):
    username: str = "votre adresse e-mail complète"
    password_login: bool = Field(
        description="the account's normal password is accepted by IMAP/POP/SMTP clients"
    )
    app_password: bool = Field(description="an app password is the way for non-OAuth clients")
    oauth: bool = Field(description="clients can sign in through the provider's web page (OAuth2)")
    oauth_only: bool = False
    imap_must_be_enabled: bool = False
    pop_must_be_enabled: bool = False
    notes: list[str] = []


class Source(Strict):
    url: str = Field(pattern=r"^https?://")
    checked: dt.date
    says: str | None = None


class Provider(Strict):
    id: str = Identifier
    name: str
    aliases: list[str] = []
    domains: list[str] = []
    mx_patterns: list[str] = []  # fnmatch patterns on the MX host name, lower-case
    help_url: str = Field(pattern=r"^https://")
    servers: list[Server] = Field(min_length=1)
    auth: Auth
    webmail: str | None = None
    notes: list[str] = []
    sources: list[Source] = Field(min_length=1)
    disagreements: list[str] = []
    # The organisation-managed form of another provider: "le Gmail de la fac" is Workspace.
    managed_form_of: str | None = None

    def servers_for(self, protocol: str) -> list[Server]:
        return [s for s in self.servers if s.protocol == protocol]


class Device(Strict):
    id: str = Identifier
    name: str
    aliases: list[str] = []


class Variant(Strict):
    summary: str | None = None
    steps: list[str] = []
    notes: list[str] = []


class Link(Strict):
    title: str
    url: str = Field(pattern=r"^https://")


class Topic(Strict):
    id: str = Identifier
    title: str
    category: Literal[
        "settings", "receiving", "sending", "security", "accounts", "errors", "concepts"
    ]
    examples: list[str] = Field(min_length=5)
    keywords: list[str] = []
    needs: list[Literal["provider", "device"]] = []
    # A topic about one provider's product (Gmail's settings page) assumes it when none is named.
    provider: str | None = None
    # A topic about some clients only (an Outlook error code) loses when another one is named.
    for_devices: list[str] = []
    # Facts about the message that make this topic likelier: "security_mismatch" is a port
    # named with the other kind of security (587 with SSL/TLS, 993 with STARTTLS).
    signals: list[Literal["security_mismatch"]] = []
    summary: str
    steps: list[str] = []
    devices: dict[str, Variant] = {}
    providers: dict[str, Variant] = {}
    settings: Literal["none", "incoming", "outgoing", "all"] = "none"
    notes: list[str] = []
    links: list[Link] = []

    @field_validator("examples")
    @classmethod
    def _distinct_examples(cls, examples: list[str]) -> list[str]:
        seen: set[str] = set()
        for example in examples:
            key = example.strip().lower()
            if key in seen:
                raise ValueError(f"duplicate example: {example!r}")
            seen.add(key)
        return examples


class PortInfo(Strict):
    port: int = Field(ge=1, le=65535)
    protocol: Literal["imap", "pop3", "smtp"]
    security: Literal["ssl", "starttls", "none"]
    use: str


class Lexicon(Strict):
    """Vocabulary the normaliser uses; plain data so the support team can extend it."""

    replacements: dict[str, str] = {}  # SMS spellings and abbreviations -> words
    stopwords: list[str] = []
    greetings: list[str] = []  # openings and closings to strip from pasted e-mails
    closings: list[str] = []  # what ends a pasted e-mail: the rest is a signature
    out_of_scope: list[str] = Field(default=[], description="messages outside the bot's field")
    # Words that place a message in the field (e-mail). A message with none of them, and no
    # address, server name or error code, is declined, unless it has a hint word together
    # with a provider or a device ("les serveurs pour Orange" but not "ma facture Orange").
    field_words: list[str] = []
    field_hints: list[str] = []
    # Next to a provider's name, these make it its managed form (see Provider.managed_form_of).
    organisation_words: list[str] = []
