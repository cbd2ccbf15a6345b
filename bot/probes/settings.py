"""Probe configuration, read from the environment once."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.probes.target import split_host_port

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"
DNS_PORT = 53


@dataclass(frozen=True, slots=True)
class Nameserver:
    address: str
    port: int = DNS_PORT


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    nameservers: tuple[Nameserver, ...] = ()  # empty: the system's resolver configuration
    allow_networks: tuple[IPNetwork, ...] = ()  # ranges allowed despite the guard
    ispdb_url: str = DEFAULT_ISPDB_URL
    deadline: float = 15.0  # the whole diagnosis
    dns_timeout: float = 3.0  # one look-up
    connect_timeout: float = 4.0  # one TCP connect
    io_timeout: float = 4.0  # one read, TLS handshake or HTTP request
    max_concurrent: int = 8  # diagnoses running at once, per Diagnoser
    max_checks: int = 16  # server checks in one diagnosis
    cache_ttl: float = 60.0  # seconds a result is reused for the same target
    cache_size: int = 256

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ProbeSettings:
        """Read DNS_NAMESERVERS, PROBE_ALLOW_NETWORKS, PROBE_ISPDB_URL and PROBE_* limits.

        Raises ValueError naming the variable when one is malformed.
        """
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            nameservers=parse_nameservers(env.get("DNS_NAMESERVERS", "")),
            allow_networks=parse_networks(env.get("PROBE_ALLOW_NETWORKS", "")),
            ispdb_url=env.get("PROBE_ISPDB_URL") or defaults.ispdb_url,
            deadline=_number(env, "PROBE_DEADLINE", defaults.deadline, maximum=15.0),
            dns_timeout=_number(env, "PROBE_DNS_TIMEOUT", defaults.dns_timeout),
            connect_timeout=_number(env, "PROBE_CONNECT_TIMEOUT", defaults.connect_timeout),
            io_timeout=_number(env, "PROBE_IO_TIMEOUT", defaults.io_timeout),
            max_concurrent=int(_number(env, "PROBE_MAX_CONCURRENT", defaults.max_concurrent)),
            cache_ttl=_number(env, "PROBE_CACHE_TTL", defaults.cache_ttl, minimum=0.0),
        )


def _items(value: str) -> list[str]:
    return [item for item in value.replace(",", " ").split() if item]


def parse_nameservers(value: str) -> tuple[Nameserver, ...]:
    """`ip`, `ip:port` or `[v6]:port`, separated by commas or spaces."""
    servers = []
    for item in _items(value):
        try:
            host, port = split_host_port(item)
            address = ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(
                f"DNS_NAMESERVERS: not an ip, ip:port or [v6]:port: {item!r}"
            ) from None
        servers.append(Nameserver(str(address), port or DNS_PORT))
    return tuple(servers)


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in _items(value))
    except ValueError as error:
        raise ValueError(f"PROBE_ALLOW_NETWORKS: {error}") from None


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    minimum: float = 0.05,
    maximum: float = 3600.0,
) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: not a number: {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ValueError(f"{name}: must be between {minimum} and {maximum}")
    return value
