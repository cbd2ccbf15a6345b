"""Autoconfig and ISPDB documents: fetched through the guard, parsed with defusedxml."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import httpx
from defusedxml import DefusedXmlException

from bot.probes.deadline import Deadline
from bot.probes.guard import Guard, Vetted, check_http_port
from bot.probes.model import ProbeError, ServerSpec
from bot.probes.target import normalize_hostname, parse_ip

MAX_DOCUMENT_BYTES = 128 * 1024
HTTPX_MARGIN = 0.1  # seconds
MAX_SERVERS = 12  # servers kept from one document
_SECURITY = {"ssl": "ssl", "tls": "ssl", "starttls": "starttls", "plain": "none"}


def autoconfig_urls(domain: str, scheme: str) -> list[tuple[str, str]]:
    """(source, URL) in Thunderbird's order; HTTPS is tried first, HTTP as the fallback."""
    return [
        ("autoconfig", f"{scheme}://autoconfig.{domain}/mail/config-v1.1.xml"),
        ("well-known", f"{scheme}://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"),
    ]


def ispdb_url(base: str, domain: str) -> str:
    return f"{base.rstrip('/')}/{domain}"


async def http_get(
    vetted: Vetted, url: httpx.URL, context: ssl.SSLContext, seconds: float
) -> bytes:
    """GET URL from the vetted address (SNI, Host and certificate use the name), size-capped."""
    request_url = url.copy_with(host=str(vetted.address))
    async with (
        httpx.AsyncClient(
            verify=context, trust_env=False, follow_redirects=False, timeout=seconds
        ) as client,
        client.stream(
            "GET",
            request_url,
            headers={"Host": url.netloc.decode("ascii"), "Accept": "application/xml, text/xml"},
            extensions={"sni_hostname": vetted.host},
        ) as response,
    ):
        if response.status_code != httpx.codes.OK:
            raise ProbeError("autoconfig_error", f"{url} : HTTP {response.status_code}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > MAX_DOCUMENT_BYTES:
                raise ProbeError("autoconfig_error", f"{url} : document trop volumineux")
        return bytes(body)


class Fetcher:
    """Fetch documents over HTTP(S) after vetting the host and the port."""

    def __init__(
        self,
        guard: Guard,
        resolve: Callable[[str], Awaitable[Vetted]],
        context: ssl.SSLContext,
        deadline: Deadline,
        io_timeout: float,
    ) -> None:
        """RESOLVE: a host name's vetted addresses (the diagnosis's cached look-ups)."""
        self.guard = guard
        self.resolve = resolve
        self.context = context
        self.deadline = deadline
        self.io_timeout = io_timeout

    async def vet(self, url: httpx.URL) -> Vetted:
        if url.scheme not in {"http", "https"}:
            raise ProbeError("autoconfig_error", f"{url} : schéma non pris en charge")
        check_http_port(url.port or (443 if url.scheme == "https" else 80))
        literal = parse_ip(url.host)
        if literal is not None:
            return self.guard.vet(str(literal), [literal])
        try:
            host = normalize_hostname(url.host)
        except ValueError:
            raise ProbeError("autoconfig_error", f"{url} : nom d'hôte invalide") from None
        return await self.resolve(host)

    async def get(self, text: str) -> bytes:
        try:
            url = httpx.URL(text)
        except httpx.InvalidURL:
            raise ProbeError("autoconfig_error", f"{text} : adresse invalide") from None
        async with asyncio.timeout(self.deadline.cap(self.io_timeout * 2)):
            vetted = await self.vet(url)
            # httpx's own timeout ends first, so that it closes its connection itself.
            seconds = max(0.01, self.deadline.cap(self.io_timeout) - HTTPX_MARGIN)
            try:
                return await http_get(vetted, url, self.context, seconds)
            except httpx.HTTPError as error:
                raise ProbeError("autoconfig_error", f"{url} : {type(error).__name__}") from None


def _text(element: Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _server(element: Element, domain: str, source: str) -> ServerSpec | None:
    protocol = element.get("type", "").lower()
    if protocol not in {"imap", "pop3", "smtp"}:
        return None
    host = _text(element, "hostname").replace("%EMAILDOMAIN%", domain)
    try:
        host = normalize_hostname(host)
        port = int(_text(element, "port"))
    except ValueError:
        return None
    security = _SECURITY.get(_text(element, "socketType").lower(), "none")
    return ServerSpec(protocol, host, port, security, source)


def parse_config(document: bytes, domain: str, source: str) -> list[ServerSpec]:
    """Servers of a config-v1.1.xml document (clientConfig/emailProvider)."""
    try:
        root = SafeET.fromstring(document)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        return []
    provider = root.find("emailProvider")
    if root.tag != "clientConfig" or provider is None:
        return []
    servers = [
        _server(element, domain, source)
        for element in [*provider.findall("incomingServer"), *provider.findall("outgoingServer")]
    ]
    return [server for server in servers if server is not None][:MAX_SERVERS]
