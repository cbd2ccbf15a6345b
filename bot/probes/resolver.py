"""DNS look-ups with dnspython, sent to DNS_NAMESERVERS when set."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.resolver

from bot.probes.model import ProbeError
from bot.probes.settings import ProbeSettings
from bot.probes.target import IPAddress

MAX_RECORDS = 10  # records kept from one answer


class DnsFailure(ProbeError):
    """A failed look-up: nxdomain or dns_error."""


@dataclass(frozen=True, slots=True)
class MxRecord:
    preference: int
    host: str  # "" for a null MX (RFC 7505)


@dataclass(frozen=True, slots=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    host: str


def make_resolver(settings: ProbeSettings) -> dns.asyncresolver.Resolver:
    if settings.nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(server.address, server.port)
            for server in settings.nameservers
        ]
    else:
        try:
            resolver = dns.asyncresolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.lifetime = settings.dns_timeout
    resolver.timeout = settings.dns_timeout
    return resolver


def _name(target: dns.name.Name) -> str:
    """Lower-case, no trailing dot; "" for the root (a null MX, an SRV "no service")."""
    if target == dns.name.root:
        return ""
    return target.to_text(omit_final_dot=True).lower()


class Resolver:
    """The look-ups a diagnosis needs; every failure becomes a DnsFailure."""

    def __init__(self, settings: ProbeSettings) -> None:
        self._resolver = make_resolver(settings)

    async def _query(self, name: str, rdtype: str) -> list[dns.rdata.Rdata]:
        """The records, [] when the name exists without any of this type."""
        try:
            answer = await self._resolver.resolve(name, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            raise DnsFailure("nxdomain", f"{name} n'existe pas dans le DNS") from None
        except dns.resolver.NoAnswer:
            return []
        except (TimeoutError, dns.exception.Timeout):
            raise DnsFailure("dns_error", f"{name} : pas de réponse DNS ({rdtype})") from None
        except dns.exception.DNSException as error:
            raise DnsFailure("dns_error", f"{name} : échec DNS ({rdtype}) : {error}") from None
        return list(answer)[:MAX_RECORDS]

    async def addresses(self, name: str) -> list[IPAddress]:
        """A then AAAA addresses of NAME; nxdomain only when neither type exists."""
        results = await asyncio.gather(
            self._query(name, "A"), self._query(name, "AAAA"), return_exceptions=True
        )
        found: list[IPAddress] = []
        errors: list[DnsFailure] = []
        for result in results:
            if isinstance(result, DnsFailure):
                errors.append(result)
            elif isinstance(result, BaseException):
                raise result
            else:
                found.extend(ipaddress.ip_address(record.to_text()) for record in result)
        if found:
            return found
        if errors:
            raise next((e for e in errors if e.code == "dns_error"), errors[0])
        raise DnsFailure("nxdomain", f"{name} n'a aucune adresse IP")

    async def mx(self, domain: str) -> list[MxRecord]:
        records = await self._query(domain, "MX")
        found = [MxRecord(record.preference, _name(record.exchange)) for record in records]
        return sorted(found, key=lambda record: (record.preference, record.host))

    async def srv(self, name: str) -> list[SrvRecord]:
        records = await self._query(name, "SRV")
        found = [
            SrvRecord(record.priority, record.weight, record.port, _name(record.target))
            for record in records
        ]
        # RFC 2782: a target of "." means the service is decidedly not available.
        return sorted(
            (record for record in found if record.host),
            key=lambda record: (record.priority, -record.weight),
        )
