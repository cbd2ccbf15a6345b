"""One server check: TCP, TLS and the protocol on one port, as a list of findings."""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Callable

from bot.probes import connect
from bot.probes.deadline import Deadline
from bot.probes.guard import Vetted
from bot.probes.model import Finding, ProbeError
from bot.probes.ports import MAIL_PORTS, SUBMISSION_PORTS
from bot.probes.protocols import Conversation, Exchange, LineStream, imap, pop3, smtp
from bot.probes.settings import ProbeSettings
from bot.probes.tls import OLD_VERSIONS, TlsFailure, inspecting_context

Record = Callable[[Finding], None]


async def _converse(sock: socket.socket, talk: Conversation, exchange: Exchange) -> None:
    if talk.role.protocol == "smtp":
        await smtp(sock, talk, exchange)
        return
    stream = LineStream(talk, sock)
    try:
        await stream.open(exchange)
        await (imap if talk.role.protocol == "imap" else pop3)(stream, exchange)
    finally:
        stream.close()


class ServerCheck:
    """Probe VETTED on PORT; findings go to RECORD as soon as they are known."""

    def __init__(
        self,
        vetted: Vetted,
        port: int,
        settings: ProbeSettings,
        deadline: Deadline,
        record: Record,
        context: ssl.SSLContext,
    ) -> None:
        self.vetted = vetted
        self.port = port
        self.role = MAIL_PORTS[port]
        self.settings = settings
        self.deadline = deadline
        self._record = record
        self.context = context

    def record(self, check: str, code: str, detail: str = "") -> None:
        self._record(Finding.of(check, self.vetted.host, self.port, code, detail))

    async def _open(self) -> socket.socket:
        return await connect.open_socket(
            self.vetted, self.port, self.deadline.cap(self.settings.connect_timeout)
        )

    def _talk(self, context: ssl.SSLContext) -> Conversation:
        return Conversation(
            self.vetted.host, self.role, context, self.deadline, self.settings.io_timeout
        )

    async def run(self) -> None:
        try:
            sock = await self._open()
        except ProbeError as error:
            self.record("tcp", error.code, error.detail)
            return
        self.record("tcp", "tcp_ok", str(self.vetted.address))
        exchange = Exchange()
        try:
            await _converse(sock, self._talk(self.context), exchange)
        except TlsFailure as failure:
            if not failure.silent:  # a server that never answered costs one timeout only
                failure, exchange = await self._inspect(failure, exchange)
            self._report(exchange, failure)
        except ProbeError as error:
            self._report(exchange, error)
        else:
            self._report(exchange, None)

    async def _inspect(
        self, failure: TlsFailure, exchange: Exchange
    ) -> tuple[TlsFailure, Exchange]:
        """Look again without verification: the faulty certificate, an old TLS version."""
        second = Exchange()
        with contextlib.suppress(ProbeError):
            await _converse(await self._open(), self._talk(inspecting_context()), second)
        if second.tls_version in OLD_VERSIONS:
            old = f"le serveur n'accepte que {second.tls_version}, une version obsolète"
            return TlsFailure("tls_old_version", old), second
        return failure, second if failure.is_certificate else exchange

    def _report(self, exchange: Exchange, failure: ProbeError | None) -> None:
        starttls = self.role.security == "starttls"
        if starttls and exchange.starttls_offered is not None:
            name = "STLS" if self.role.protocol == "pop3" else "STARTTLS"
            if exchange.starttls_offered:
                self.record("starttls", "starttls_available", f"{name} proposé")
            else:
                self.record(
                    "starttls",
                    "starttls_missing",
                    f"{name} absent : le serveur ne parle qu'en clair sur le port {self.port}",
                )
        if isinstance(failure, TlsFailure):
            detail = failure.detail
            if exchange.certificate:
                detail = f"{detail} — {exchange.certificate}"
            self.record("tls", failure.code, detail)
        elif exchange.tls_version:
            self.record("tls", "tls_ok", f"{exchange.tls_version} ; {exchange.certificate}")
        if exchange.greeting and (exchange.done or exchange.starttls_offered is False):
            self._report_protocol(exchange, verified=failure is None)
        if failure is not None and not isinstance(failure, TlsFailure):
            self.record(self.role.protocol, failure.code, failure.detail)

    def _report_protocol(self, exchange: Exchange, *, verified: bool) -> None:
        protocol = self.role.protocol
        shown = " ".join(exchange.capabilities[:20]) or "aucune capacité annoncée"
        suffix = "" if verified else " (lu sans vérifier le certificat)"
        code = f"{protocol}_ok"
        self.record(protocol, code, f"{shown} — accueil : {exchange.greeting[:80]}{suffix}")
        if protocol != "smtp":
            return
        if exchange.auth_methods:
            self.record("smtp", "smtp_auth_methods", " ".join(exchange.auth_methods))
        elif self.port in SUBMISSION_PORTS and exchange.done:
            self.record("smtp", "smtp_auth_missing", "aucune méthode AUTH annoncée")
