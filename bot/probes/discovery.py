"""Where a domain's mail settings are published: MX, RFC 6186 SRV, autoconfig, ISPDB, the KB."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.kb import Provider
from bot.probes.autoconfig import Fetcher, autoconfig_urls, ispdb_url, parse_config
from bot.probes.model import Finding, ProbeError, Providers, ServerSpec
from bot.probes.ports import MAIL_PORTS
from bot.probes.resolver import MxRecord, Resolver
from bot.probes.target import parse_ip

Record = Callable[[Finding], None]

# RFC 6186 (and RFC 8314 for submissions): service label -> (protocol, security).
SRV_SERVICES = {
    "_imaps._tcp": ("imap", "ssl"),
    "_imap._tcp": ("imap", "starttls"),
    "_pop3s._tcp": ("pop3", "ssl"),
    "_pop3._tcp": ("pop3", "starttls"),
    "_submissions._tcp": ("smtp", "ssl"),
    "_submission._tcp": ("smtp", "starttls"),
}
SOURCE_NAMES = {
    "srv": "enregistrements SRV",
    "autoconfig": "autoconfig du domaine",
    "well-known": "autoconfig du domaine",
    "ispdb": "ISPDB de Thunderbird",
    "kb": "base de connaissances",
}
_SECURITY_NAMES = {"ssl": "SSL/TLS", "starttls": "STARTTLS", "none": "aucune"}


@dataclass(slots=True)
class Discovered:
    domain: str
    answered: bool = True  # False: NXDOMAIN or a DNS failure on the MX look-up
    mx: list[MxRecord] = field(default_factory=list)
    provider: Provider | None = None
    sources: dict[str, list[ServerSpec]] = field(default_factory=dict)

    @property
    def lowest_mx(self) -> str | None:
        hosts = [record.host for record in self.mx if record.host]
        return hosts[0] if hosts else None


def describe(servers: list[ServerSpec]) -> str:
    return ", ".join(
        f"{server.protocol.upper()} {server}"
        f" ({_SECURITY_NAMES.get(server.security, server.security)})"
        for server in servers
    )


def provider_servers(provider: Provider) -> list[ServerSpec]:
    """The provider's servers worth probing (not a local bridge on 127.0.0.1:1143, say)."""
    return [
        ServerSpec(server.protocol, server.host, server.port, server.security, "kb")
        for server in provider.servers
        if server.port in MAIL_PORTS and parse_ip(server.host) is None
    ]


class Discovery:
    def __init__(
        self,
        domain: str,
        *,
        resolver: Resolver,
        fetcher: Fetcher,
        kb: Providers,
        ispdb_base: str,
        record: Record,
        on_servers: Callable[[list[ServerSpec]], None],
    ) -> None:
        self.result = Discovered(domain)
        self.resolver = resolver
        self.fetcher = fetcher
        self.kb = kb
        self.ispdb_base = ispdb_base
        self._record = record
        self._on_servers = on_servers

    @property
    def domain(self) -> str:
        return self.result.domain

    def record(self, check: str, code: str, detail: str = "") -> None:
        self._record(Finding.of(check, self.domain, None, code, detail))

    async def run(self) -> Discovered:
        """MX first (a domain the DNS cannot answer for stops there), then every source."""
        await self._mx()
        if not self.result.answered:
            return self.result
        self._detect_provider()
        await asyncio.gather(self._srv(), self._autoconfig(), self._ispdb())
        self._compare()
        return self.result

    def _servers(self, source: str, servers: list[ServerSpec]) -> None:
        self.result.sources.setdefault(source, []).extend(servers)
        self._on_servers(servers)

    async def _mx(self) -> None:
        try:
            self.result.mx = await self.resolver.mx(self.domain)
        except ProbeError as error:
            self.result.answered = False
            self.record("dns", error.code, error.detail)
            return
        if not self.result.mx:
            self.record("mx", "mx_missing", "aucun enregistrement MX : le domaine ne reçoit rien")
        elif self.result.lowest_mx is None:
            self.record("mx", "mx_missing", "MX nul (RFC 7505) : le domaine refuse tout e-mail")
        else:
            shown = ", ".join(f"{record.preference} {record.host}" for record in self.result.mx)
            self.record("mx", "mx_found", shown)

    def _detect_provider(self) -> None:
        lowest = self.result.lowest_mx
        by_mx = self.kb.provider_by_mx(lowest) if lowest else None
        by_domain = self.kb.provider_by_domain(self.domain)
        provider = by_domain or by_mx
        if provider is None:
            return
        self.result.provider = provider
        how = f"MX {lowest}" if provider is by_mx else f"domaine {self.domain}"
        self.record("provider", "provider_detected", f"{provider.name} ({how})")
        self._servers("kb", provider_servers(provider))

    async def _srv_one(self, service: str) -> list[ServerSpec]:
        protocol, security = SRV_SERVICES[service]
        try:
            records = await self.resolver.srv(f"{service}.{self.domain}")
        except ProbeError:
            return []
        servers = [
            ServerSpec(protocol, record.host, record.port, security, "srv") for record in records
        ]
        for server in servers:
            self.record("srv", "srv_found", f"{service}.{self.domain} → {server}")
        return servers

    async def _srv(self) -> None:
        found = await asyncio.gather(*(self._srv_one(service) for service in SRV_SERVICES))
        servers = [server for group in found for server in group]
        if servers:
            self._servers("srv", servers)
        else:
            self.record("srv", "srv_missing", "aucun enregistrement SRV (RFC 6186)")

    async def _document(self, source: str, url: str) -> list[ServerSpec] | None:
        try:
            document = await self.fetcher.get(url)
        except ProbeError as error:
            if error.code in {"blocked_target", "port_not_allowed"}:
                self.record("autoconfig", error.code, f"{url} : {error.detail}")
            return None
        except TimeoutError:
            return None
        return parse_config(document, self.domain, source) or None

    async def _autoconfig(self) -> None:
        """All four locations at once; the first in Thunderbird's order that answers wins."""
        urls = [*autoconfig_urls(self.domain, "https"), *autoconfig_urls(self.domain, "http")]
        tasks = [asyncio.create_task(self._document(source, url)) for source, url in urls]
        try:
            for (source, url), task in zip(urls, tasks, strict=True):
                servers = await task
                if servers:
                    self.record("autoconfig", "autoconfig_found", f"{url} : {describe(servers)}")
                    self._servers(source, servers)
                    return
            self.record("autoconfig", "autoconfig_missing", "aucun fichier d'autoconfiguration")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _ispdb(self) -> None:
        url = ispdb_url(self.ispdb_base, self.domain)
        servers = await self._document("ispdb", url)
        if servers:
            self.record("ispdb", "autoconfig_found", f"{url} : {describe(servers)}")
            self._servers("ispdb", servers)

    def _compare(self) -> None:
        """Report protocols for which two sources name different servers."""
        for protocol in ("imap", "pop3", "smtp"):
            claims: dict[str, set[str]] = {}
            for source, servers in self.result.sources.items():
                hosts = {server.host for server in servers if server.protocol == protocol}
                if hosts:
                    claims.setdefault(SOURCE_NAMES[source], set()).update(hosts)
            if len(claims) < 2:
                continue
            sets = list(claims.values())
            if set.intersection(*sets):
                continue
            said = " ; ".join(
                f"{name} : {', '.join(sorted(hosts))}" for name, hosts in claims.items()
            )
            self.record("sources", "sources_disagree", f"{protocol.upper()} — {said}")
