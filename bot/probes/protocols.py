"""Greetings and capabilities of IMAP, POP3 and SMTP servers, over clear text or TLS.

No login and no password, ever: a conversation stops after the capabilities.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, field

import aiosmtplib

from bot.probes.deadline import Deadline
from bot.probes.model import ProbeError
from bot.probes.ports import PortRole
from bot.probes.tls import TlsFailure, classify, session_summary

LINE_LIMIT = 8192  # bytes in one server line
MAX_LINES = 64  # lines read for one command's answer
EHLO_NAME = "aidemail.invalid"
LIBRARY_MARGIN = 0.25  # seconds: aiosmtplib reports its own timeouts more precisely


@dataclass(slots=True)
class Exchange:
    """What a conversation learnt so far (kept when a later step fails)."""

    greeting: str = ""
    starttls_offered: bool | None = None  # None on implicit-TLS ports
    tls_version: str = ""
    certificate: str = ""  # description of the server certificate
    capabilities: list[str] = field(default_factory=list)
    auth_methods: list[str] = field(default_factory=list)
    done: bool = False  # the capabilities were read over the final channel


@dataclass(frozen=True, slots=True)
class Conversation:
    host: str  # for SNI and the certificate check
    role: PortRole
    context: ssl.SSLContext
    deadline: Deadline
    io_timeout: float

    def timeout(self, margin: float = 0.0) -> asyncio.Timeout:
        """One step's timeout; MARGIN lets a library's own timeout fire first."""
        return asyncio.timeout(self.deadline.cap(self.io_timeout) + margin)

    def silent(self, what: str) -> ProbeError:
        return ProbeError("protocol_error", f"{what} : aucune réponse dans le délai imparti")


def _handshake_error(error: BaseException) -> ProbeError:
    if isinstance(error, TimeoutError):
        return TlsFailure(
            "tls_handshake_failed", "aucune réponse pendant la négociation TLS", silent=True
        )
    return classify(error) or TlsFailure(
        "tls_handshake_failed", f"connexion coupée pendant la négociation TLS ({error})"
    )


class LineStream:
    """A line-oriented exchange over asyncio streams (IMAP and POP3)."""

    def __init__(self, talk: Conversation, sock: socket.socket) -> None:
        self.talk = talk
        self.sock = sock
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, exchange: Exchange) -> None:
        """Streams over the socket; on an implicit-TLS port, the TLS handshake comes first."""
        self.reader, self.writer = await asyncio.open_connection(sock=self.sock, limit=LINE_LIMIT)
        if self.talk.role.security == "ssl":
            await self.upgrade(exchange)

    async def upgrade(self, exchange: Exchange) -> None:
        assert self.writer is not None
        try:
            async with self.talk.timeout():
                await self.writer.start_tls(self.talk.context, server_hostname=self.talk.host)
        except (TimeoutError, OSError) as error:
            raise _handshake_error(error) from None
        ssl_object = self.writer.get_extra_info("ssl_object")
        exchange.tls_version, exchange.certificate = session_summary(ssl_object)

    async def line(self, what: str) -> str:
        assert self.reader is not None
        try:
            async with self.talk.timeout():
                raw = await self.reader.readline()
        except TimeoutError:
            raise self.talk.silent(what) from None
        except (ValueError, OSError) as error:  # ValueError: line over LINE_LIMIT
            raise ProbeError("protocol_error", f"{what} : {error}") from None
        if not raw:
            raise ProbeError("protocol_error", f"{what} : le serveur a fermé la connexion")
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    async def send(self, command: str) -> None:
        assert self.writer is not None
        self.writer.write(command.encode("ascii") + b"\r\n")
        try:
            async with self.talk.timeout():
                await self.writer.drain()
        except (TimeoutError, OSError) as error:
            raise ProbeError("protocol_error", f"{command} : envoi impossible ({error})") from None

    def close(self) -> None:
        """Drop the connection at once: nothing is owed to a probed server, not even a wait."""
        if self.writer is not None:
            self.writer.transport.abort()
        self.sock.close()


async def _imap_command(stream: LineStream, tag: str, command: str) -> list[str]:
    """Send COMMAND, wait for its tagged OK; the capabilities announced on the way."""
    await stream.send(f"{tag} {command}")
    capabilities: list[str] = []
    for _ in range(MAX_LINES):
        line = await stream.line(command)
        if line.upper().startswith("* CAPABILITY "):
            capabilities = line.split()[2:]
        elif line.startswith(f"{tag} "):
            if line.split()[1:2] != ["OK"]:
                raise ProbeError("protocol_error", f"{command} refusée : {line[:120]}")
            return capabilities
    raise ProbeError("protocol_error", f"{command} : réponse trop longue")


async def imap(stream: LineStream, exchange: Exchange) -> None:
    greeting = await stream.line("accueil IMAP")
    if not greeting.upper().startswith(("* OK", "* PREAUTH")):
        raise ProbeError("protocol_error", f"accueil IMAP inattendu : {greeting[:120]}")
    exchange.greeting = greeting
    exchange.capabilities = await _imap_command(stream, "a1", "CAPABILITY")
    if stream.talk.role.security == "starttls":
        exchange.starttls_offered = "STARTTLS" in (c.upper() for c in exchange.capabilities)
        if not exchange.starttls_offered:
            return
        await _imap_command(stream, "a2", "STARTTLS")
        await stream.upgrade(exchange)
        exchange.capabilities = await _imap_command(stream, "a3", "CAPABILITY")
    exchange.done = True


async def _pop3_capabilities(stream: LineStream) -> list[str]:
    await stream.send("CAPA")
    first = await stream.line("CAPA")
    if not first.startswith("+OK"):
        return []  # CAPA is optional (RFC 2449)
    capabilities: list[str] = []
    for _ in range(MAX_LINES):
        line = await stream.line("CAPA")
        if line == ".":
            return capabilities
        capabilities.append(line)
    raise ProbeError("protocol_error", "CAPA : réponse trop longue")


async def pop3(stream: LineStream, exchange: Exchange) -> None:
    greeting = await stream.line("accueil POP3")
    if not greeting.startswith("+OK"):
        raise ProbeError("protocol_error", f"accueil POP3 inattendu : {greeting[:120]}")
    exchange.greeting = greeting
    exchange.capabilities = await _pop3_capabilities(stream)
    if stream.talk.role.security == "starttls":
        exchange.starttls_offered = any(c.upper() == "STLS" for c in exchange.capabilities)
        if not exchange.starttls_offered:
            return
        await stream.send("STLS")
        answer = await stream.line("STLS")
        if not answer.startswith("+OK"):
            raise ProbeError("protocol_error", f"STLS refusée : {answer[:120]}")
        await stream.upgrade(exchange)
        exchange.capabilities = await _pop3_capabilities(stream)
    exchange.done = True


def _smtp_error(error: BaseException, talk: Conversation, *, in_tls: bool) -> ProbeError:
    """Map aiosmtplib's exceptions: TLS failures first, then silence, then anything else."""
    failure = classify(error)
    if failure is not None:
        return failure
    greeting_timeout = isinstance(error.__cause__, aiosmtplib.SMTPTimeoutError)
    if isinstance(error, TimeoutError):  # aiosmtplib's timeouts are TimeoutErrors too
        if in_tls and not greeting_timeout:
            return TlsFailure(
                "tls_handshake_failed", "aucune réponse pendant la négociation TLS", silent=True
            )
        return talk.silent("accueil SMTP")
    if in_tls and isinstance(
        error, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPConnectError
    ):
        return TlsFailure("tls_handshake_failed", "connexion coupée pendant la négociation TLS")
    return ProbeError("protocol_error", f"SMTP : {error}")


def _note_smtp(client: aiosmtplib.SMTP, exchange: Exchange) -> None:
    exchange.capabilities = sorted(client.esmtp_extensions)
    exchange.auth_methods = [method.upper() for method in client.server_auth_methods]


async def smtp(sock: socket.socket, talk: Conversation, exchange: Exchange) -> None:
    implicit = talk.role.security == "ssl"
    client = aiosmtplib.SMTP(
        hostname=talk.host,
        sock=sock,
        use_tls=implicit,
        start_tls=False,
        tls_context=talk.context,
        local_hostname=EHLO_NAME,
        timeout=talk.deadline.cap(talk.io_timeout),
    )
    try:
        try:
            async with talk.timeout(LIBRARY_MARGIN):
                greeting = await client.connect()
        except (aiosmtplib.SMTPException, TimeoutError, OSError) as error:
            raise _smtp_error(error, talk, in_tls=implicit) from None
        exchange.greeting = f"{greeting.code} {greeting.message}"[:200]
        if implicit:
            exchange.tls_version, exchange.certificate = session_summary(
                client.get_transport_info("ssl_object")
            )
        await _ehlo(client, talk, exchange)
        if not implicit:
            exchange.starttls_offered = client.supports_extension("starttls")
            if not exchange.starttls_offered:
                return
            try:
                async with talk.timeout(2 * LIBRARY_MARGIN):
                    await client.starttls(server_hostname=talk.host, tls_context=talk.context)
            except (aiosmtplib.SMTPException, TimeoutError, OSError) as error:
                raise _smtp_error(error, talk, in_tls=True) from None
            exchange.tls_version, exchange.certificate = session_summary(
                client.get_transport_info("ssl_object")
            )
            await _ehlo(client, talk, exchange)
        exchange.done = True
    finally:
        if client.transport is not None:
            client.transport.abort()  # nothing is owed to a probed server
        client.close()
        sock.close()


async def _ehlo(client: aiosmtplib.SMTP, talk: Conversation, exchange: Exchange) -> None:
    try:
        async with talk.timeout():
            await client.ehlo()
    except TimeoutError:
        raise talk.silent("EHLO") from None
    except (aiosmtplib.SMTPException, OSError) as error:
        raise ProbeError("protocol_error", f"EHLO refusé : {error}") from None
    _note_smtp(client, exchange)
