"""Entities found in a message: provider, device, ports, codes, domains, a password."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from rapidfuzz.distance import OSA

from bot.kb import KnowledgeBase
from bot.nlu.normalize import fold, words

T = TypeVar("T")
PROVIDER_MARK = "fournisseurx"
DEVICE_MARK = "appareilx"
_ADDRESS = re.compile(r"[\w.+'-]*@((?:[a-z0-9-]+\.)+[a-z]{2,24})\b", re.IGNORECASE)
_HOST = re.compile(r"\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b", re.IGNORECASE)
_PORT = re.compile(r"(?<![\d.])(\d{2,4})(?![\d.]\d)")
_SMTP_CODE = re.compile(r"(?<![\d.x])([45][0-5]\d)(?:[ -]+([45]\.\d{1,3}\.\d{1,3}))?(?!\d|\.\d)")
_ERROR_CODE = re.compile(r"\b0x[0-9a-f]{8}\b", re.IGNORECASE)
# A password word, up to four words about it ("de ma boîte Gmail"), then "est", ":" or "=" and
# the value; an app password's other groups of four letters go with it.
_SECRET = re.compile(
    r"\b(?:mot\s+de\s+passe|mdp|password|passwd|pwd|pass)"
    r"(?:\s+(?!est\b|is\b|c'?\s?est\b)[\w'’@.-]{1,20}){0,4}?\s*"
    r"(?P<sep>(?:est|is|c'?\s?est|:|=)\s*[:=]?)\s*[\"'«“]?\s*"
    r"(?P<value>[^\s\"'»”]{4,}(?:\s[a-z]{4}(?=[\s\"'»”.,]|$)){0,3})",
    re.IGNORECASE,
)
_SECRET_WORDS = frozenset(
    [
        "incorrect",
        "incorrecte",
        "faux",
        "refuse",
        "refusee",
        "invalide",
        "oublie",
        "oubliee",
        "bon",
        "correct",
        "change",
        "perdu",
        "bloque",
        "expire",
        "different",
        "demande",
        "wrong",
        "invalid",
        "incorrectly",
        "required",
        # "mot de passe d'application : comment on le crée ?" gives no password
        "comment", "quoi", "quel", "quelle", "quels", "quelles", "pourquoi", "que", "qui",
        "faut", "ca", "cela", "votre", "vous", "mon", "ma", "mes", "impossible", "aucun",
        "how", "what", "where", "which", "why", "your", "the",
    ]
)  # fmt: skip
# File names look like host names: "capture.png" is not a server.
_NON_MAIL_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "pdf", "doc", "docx", "xml", "exe", "zip"})
# Words before an ambiguous name that make it the provider ("mon adresse outlook").
_PHONES = frozenset({"iphone", "android", "samsung_email"})
_DENIALS = frozenset({"ni", "pas", "non", "sauf", "hormis", "not", "nor"})
_LINKS = frozenset({"chez", "un", "une", "de", "du", "d", "sur", "avec", "a", "on", "with"})
_ORGANISATION_WINDOW = 5  # "une adresse professionnelle qui fonctionne avec Gmail"
_PROVIDER_CONTEXT = frozenset({"adresse", "compte", "boite", "mail", "messagerie", "courriel"})


@dataclass(slots=True)
class Entities:
    providers: list[str] = field(default_factory=list)  # strongest first
    weak_providers: list[str] = field(default_factory=list)  # a name that is also a client's
    devices: list[str] = field(default_factory=list)
    protocols: set[str] = field(default_factory=set)
    ports: list[int] = field(default_factory=list)
    security: set[str] = field(default_factory=set)
    smtp_codes: list[str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)
    unknown_domains: list[str] = field(default_factory=list)  # not in the knowledge base
    # Providers named by an address or a server name (also in `providers`), not by a word.
    address_providers: list[str] = field(default_factory=list)
    secret: bool = False
    security_mismatch: bool = False  # a port named with the other kind of security

    @property
    def address_seen(self) -> bool:
        """An e-mail address or a mail server name is in the message."""
        return bool(self.address_providers or self.unknown_domains)

    @property
    def provider(self) -> str | None:
        return self.providers[0] if self.providers else None

    @property
    def device(self) -> str | None:
        return self.devices[0] if self.devices else None


class _NameIndex:
    """Names (one or more words) to ids, exact or within one typo for longer names."""

    def __init__(self, names: dict[str, str]) -> None:
        self.phrases: dict[tuple[str, ...], str] = {}
        for name, ident in names.items():
            key = tuple(words(fold(name)))
            if key:
                self.phrases.setdefault(key, ident)
        self.longest = max((len(key) for key in self.phrases), default=1)
        # First words of names (and of names written as one word: "la poste" / "laposte").
        self.starts = {key[0] for key in self.phrases} | {
            key[0][:cut] for key in self.phrases if len(key) == 1 for cut in range(2, len(key[0]))
        }
        self._near_cache: dict[str, str | None] = {}
        self.fuzzy = [
            (key[0], ident)
            for key, ident in self.phrases.items()
            if len(key) == 1 and len(key[0]) >= 5 and key[0].isalpha()
        ]

    def find(self, tokens: list[str]) -> list[tuple[int, int, str]]:
        """(position, size, id) for every name found, scanning longest phrases first."""
        found: list[tuple[int, int, str]] = []
        index = 0
        while index < len(tokens):
            if not self._may_start(tokens[index]):
                index += 1
                continue
            for size in range(min(self.longest, len(tokens) - index), 0, -1):
                phrase = tuple(tokens[index : index + size])
                ident = self.phrases.get(phrase) or (
                    self.phrases.get(("".join(phrase),)) if size > 1 else None
                )
                if ident is None and size == 1:
                    ident = self._near(phrase[0])
                if ident:
                    found.append((index, size, ident))
                    index += size
                    break
            else:
                index += 1
        return found

    def _may_start(self, token: str) -> bool:
        return token in self.starts or self._near(token) is not None

    def _near(self, token: str) -> str | None:
        if token in self._near_cache:
            return self._near_cache[token]
        if len(self._near_cache) > 50_000:
            self._near_cache.clear()
        found = self._nearest(token)
        self._near_cache[token] = found
        return found

    def _nearest(self, token: str) -> str | None:
        if len(token) < 5 or not token.isalpha():
            return None
        limit = 2 if len(token) >= 9 else 1
        for name, ident in self.fuzzy:
            if (
                name[0] == token[0]
                and abs(len(name) - len(token)) <= limit
                and (OSA.distance(name, token, score_cutoff=limit) <= limit)
            ):
                return ident
        return None


class EntityExtractor:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        provider_names: dict[str, str] = {}
        for provider in kb.providers.values():
            for name in (provider.name, provider.id.replace("_", " "), *provider.aliases):
                provider_names.setdefault(name, provider.id)
        device_names: dict[str, str] = {}
        for device in kb.devices.values():
            for name in (device.name, *device.aliases):
                device_names.setdefault(name, device.id)
        shared = {tuple(words(fold(n))) for n in provider_names} & {
            tuple(words(fold(n))) for n in device_names
        }
        self._ambiguous = {" ".join(key) for key in shared}
        self._providers = _NameIndex(provider_names)
        self._devices = _NameIndex(device_names)
        self._port_security = {info.port: info.security for info in kb.ports}
        self._managed_form = {
            provider.managed_form_of: provider.id
            for provider in kb.providers.values()
            if provider.managed_form_of
        }
        self._organisation_words = frozenset(fold(word) for word in kb.lexicon.organisation_words)

    def extract(self, text: str, tokens: list[str]) -> Entities:
        found = Entities()
        self._addresses_and_hosts(text, found)
        self._names(tokens, found)
        folded = fold(text)
        found.protocols = {
            "pop3" if word.startswith("pop") else word
            for word in words(folded)
            if word in {"imap", "pop", "pop3", "smtp"}
        }
        found.security = {word for word in words(folded) if word in {"ssl", "tls", "starttls"}}
        found.ports = _unique(int(m) for m in _PORT.findall(text) if int(m) in self._port_security)
        named_kinds = {"starttls" if word == "starttls" else "ssl" for word in found.security}
        found.security_mismatch = any(
            kind != self._port_security[port]
            for port in found.ports
            if port in self._port_security
            for kind in named_kinds
        )
        found.smtp_codes = _unique(
            f"{basic} {enhanced}".strip() for basic, enhanced in _SMTP_CODE.findall(text)
        )
        found.error_codes = _unique(code.lower() for code in _ERROR_CODE.findall(text))
        found.secret = contains_secret(text)
        return found

    def _managed(self, tokens: list[str], position: int, size: int, ident: str) -> str:
        """ "Le Gmail de la fac": the managed form of the provider, by a nearby word."""
        managed = self._managed_form.get(ident)
        if managed is None:
            return ident
        near = tokens[max(0, position - _ORGANISATION_WINDOW) : position + size + 3]
        return managed if self._organisation_words.intersection(near) else ident

    def _is_ambiguous(self, tokens: list[str], position: int, size: int) -> bool:
        return " ".join(tokens[position : position + size]) in self._ambiguous

    def mask(self, tokens: list[str]) -> list[str]:
        """TOKENS with provider and device names replaced by placeholders, so that topics
        are matched on what is asked, not on which provider the phrasings happened to name."""
        masked = list(tokens)
        for index, placeholder in ((self._providers, PROVIDER_MARK), (self._devices, DEVICE_MARK)):
            for position, size, _ in index.find(masked):
                masked[position : position + size] = [placeholder] + [""] * (size - 1)
        return [token for token in masked if token]

    def _addresses_and_hosts(self, text: str, found: Entities) -> None:
        domains = [domain.lower() for domain in _ADDRESS.findall(text)]
        hosts = [
            host.lower()
            for host in _HOST.findall(_ADDRESS.sub(" ", text))
            if host.rsplit(".", 1)[-1].lower() not in _NON_MAIL_TLDS
        ]
        for name in (*domains, *hosts):
            provider = self.kb.provider_by_host(name)
            if provider:
                _add(found.providers, provider.id)
                _add(found.address_providers, provider.id)
            elif name in domains or _looks_like_mail_host(name):
                _add(found.unknown_domains, _mail_domain(name))

    def _names(self, tokens: list[str], found: Entities) -> None:
        device_matches = list(self._devices.find(tokens))
        in_device_name = {
            index
            for position, size, _ in device_matches
            for index in range(position, position + size)
        }
        app_named: list[str] = []  # "l'appli Gmail" may hold another provider's address
        for position, size, ident in self._providers.find(tokens):
            if _denied(tokens, position):
                continue
            ident = self._managed(tokens, position, size, ident)
            if self._is_ambiguous(tokens, position, size) and not _after_mailbox_word(
                tokens, position
            ):
                _add(found.weak_providers, ident)
            elif in_device_name.issuperset(range(position, position + size)):
                _add(app_named, ident)
            else:
                _add(found.providers, ident)
        for ident in app_named:
            _add(found.providers, ident)
        named_as_provider: list[str] = []
        for position, size, ident in device_matches:
            if self._is_ambiguous(tokens, position, size) and found.providers:
                # "mon adresse outlook" names the provider, not the client.
                if _after_mailbox_word(tokens, position):
                    continue
                named_as_provider.append(ident)
            _add(found.devices, ident)
        # "My Outlook.com account in Thunderbird": the client is Thunderbird.
        for ident in named_as_provider:
            if len(found.devices) > 1 and ident in found.devices:
                found.devices.remove(ident)
        # "Outlook" named with a phone is the Outlook app on that phone.
        if "outlook_desktop" in found.devices and _PHONES & set(found.devices):
            found.devices.remove("outlook_desktop")
            found.devices.insert(0, "outlook_mobile")


def _denied(tokens: list[str], position: int) -> bool:
    """ "Une adresse qui n'est ni Gmail ni Hotmail", "pas chez Orange": not the provider."""
    before = tokens[max(0, position - 2) : position]
    if before[-1:] and before[-1] in _DENIALS:
        return True
    return len(before) == 2 and before[0] in _DENIALS and before[1] in _LINKS


def _after_mailbox_word(tokens: list[str], position: int) -> bool:
    return bool(_PROVIDER_CONTEXT & set(tokens[max(0, position - 2) : position]))


def without_addresses(text: str) -> str:
    """TEXT with each e-mail address replaced by the word "adresse" (its parts are noise)."""
    return _ADDRESS.sub(" adresse ", text)


def _is_secret(match: re.Match[str]) -> bool:
    value = match.group("value").split()[0]
    if fold(value).strip(".,;!?") in _SECRET_WORDS:
        return False
    explicit = any(mark in match.group("sep") for mark in ":=")
    return explicit or any(not char.isalpha() for char in value) or not value.islower()


def contains_secret(text: str) -> bool:
    """Whether TEXT seems to give a password ("mon mot de passe est Soleil2024!")."""
    return any(_is_secret(match) for match in _SECRET.finditer(text))


def without_secrets(text: str) -> str:
    """TEXT without the passwords it gives: "mon mot de passe est X" is not a question."""
    return _SECRET.sub(lambda match: " " if _is_secret(match) else match.group(0), text)


def _looks_like_mail_host(host: str) -> bool:
    first = host.split(".", 1)[0]
    return first in {"mail", "imap", "pop", "pop3", "smtp", "mx", "webmail", "autoconfig"}


def _mail_domain(name: str) -> str:
    parts = name.split(".")
    if len(parts) > 2 and parts[0] in {"mail", "imap", "pop", "pop3", "smtp", "webmail"}:
        return ".".join(parts[1:])
    return name


def _add(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))
