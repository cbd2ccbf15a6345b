"""Parse a diagnosis TARGET: an e-mail address, a domain, or host[:port]."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_TARGET_LENGTH = 320
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")


class TargetError(ValueError):
    """The target cannot be read; the message is French, for the user."""


@dataclass(frozen=True, slots=True)
class Target:
    raw: str  # as the user typed it (stripped)
    host: str  # lower-case name without trailing dot, or the canonical IP text
    ip: IPAddress | None = None  # set when the host is an IP literal
    port: int | None = None  # set for host:port targets
    is_domain: bool = False  # an address or a bare name: discover its settings

    @property
    def key(self) -> str:
        """The cache key: what is actually probed."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def refused_name(self) -> bool:
        """localhost and *.localhost are refused by name, before any look-up."""
        return self.ip is None and (self.host == "localhost" or self.host.endswith(".localhost"))


def split_host_port(text: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 address has no port."""
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(text)
        return inside, _port(rest[1:]) if rest else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, _port(port)
    return text, None


def _port(text: str) -> int:
    if not _PORT.match(text) or not 0 < int(text) < 65536:
        raise ValueError(text)
    return int(text)


def parse_ip(text: str) -> IPAddress | None:
    """An IP literal in any spelling the C library accepts (127.1, 2130706433, 0x7f000001)."""
    text = text.removeprefix("IPv6:").removeprefix("ipv6:")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if not text or not re.fullmatch(r"[0-9a-fA-FxX.]+", text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def normalize_hostname(text: str) -> str:
    """A lower-case ASCII host name, without trailing dot; ValueError if it is not one."""
    name = text.lower().removesuffix(".")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(text) from None
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(text)
    if labels[-1].isdigit():
        raise ValueError(text)
    return name


def parse_target(text: str) -> Target:
    raw = text.strip()
    if not raw:
        raise TargetError("Indiquez une adresse e-mail, un domaine ou un serveur (hôte:port).")
    if len(raw) > MAX_TARGET_LENGTH or any(char.isspace() or ord(char) < 32 for char in raw):
        raise TargetError(f"« {raw[:60]} » n'est pas une adresse, un domaine ni un serveur valide.")
    if "@" in raw:
        return _parse_address(raw)
    try:
        host, port = split_host_port(raw)
    except ValueError:
        raise TargetError(
            f"« {raw} » : le port doit être un nombre entre 1 et 65535, "
            "et une adresse IPv6 suivie d'un port s'écrit entre crochets ([2001:db8::1]:993)."
        ) from None
    ip = parse_ip(host)
    if ip is not None:
        return Target(raw, str(ip), ip, port)
    if raw.startswith("["):
        raise TargetError(f"« {raw} » : entre crochets, indiquez une adresse IP.")
    name = _hostname(host, raw)
    return Target(raw, name, None, port, is_domain=port is None)


def _parse_address(raw: str) -> Target:
    local, _, domain = raw.rpartition("@")
    if not local or not domain:
        raise TargetError(f"« {raw} » n'est pas une adresse e-mail valide.")
    if domain.startswith("[") and domain.endswith("]"):
        ip = parse_ip(domain[1:-1])
        if ip is None:
            raise TargetError(f"« {raw} » : entre crochets, indiquez une adresse IP.")
        return Target(raw, str(ip), ip)
    if parse_ip(domain) is not None or ":" in domain:
        raise TargetError(
            f"« {raw} » : après le @, indiquez un domaine (ou une IP entre crochets), sans port."
        )
    return Target(raw, _hostname(domain, raw), is_domain=True)


def _hostname(host: str, raw: str) -> str:
    try:
        name = normalize_hostname(host)
    except ValueError:
        raise TargetError(f"« {raw} » n'est pas un nom de domaine valide.") from None
    if "." not in name and name != "localhost":
        raise TargetError(f"« {raw} » : indiquez un nom de domaine complet (exemple.fr).")
    return name
