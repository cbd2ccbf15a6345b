"""The orchestration: one deadline, concurrent checks, a cap on diagnoses, a short cache."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import ssl
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.probes.autoconfig import Fetcher
from bot.probes.check import ServerCheck
from bot.probes.deadline import Deadline
from bot.probes.discovery import Discovery
from bot.probes.guard import Guard, Refused, Vetted, check_mail_port
from bot.probes.model import Diagnosis, Finding, ProbeError, Providers, ServerSpec
from bot.probes.plan import PROTOCOL_ORDER, guess_names, guesses
from bot.probes.ports import MAIL_PORTS, USUAL_PORTS
from bot.probes.resolver import Resolver
from bot.probes.settings import ProbeSettings
from bot.probes.target import Target, parse_target
from bot.probes.tls import verifying_context
from bot.probes.verdict import summary_text

log = logging.getLogger(__name__)

OnFinding = Callable[[Finding], Awaitable[None]]
MIN_GRACE = 0.05  # seconds: step timeouts and the deadline may fire at the same instant
MAX_PROGRESS_EVENTS = 10_000
QUEUE_SHARE = 0.5  # of the deadline, at most, spent waiting for a free slot
T = TypeVar("T")


class Session:
    """One diagnosis of one target, within DEADLINE."""

    def __init__(
        self,
        target: Target,
        *,
        kb: Providers,
        settings: ProbeSettings,
        deadline: Deadline,
        context: ssl.SSLContext,
        guard: Guard,
        resolver: Resolver,
        emit: Callable[[Finding], None],
    ) -> None:
        self.target = target
        self.kb = kb
        self.settings = settings
        self.deadline = deadline
        self.context = context
        self.guard = guard
        self.resolver = resolver
        self.emit = emit
        self.general: list[Finding] = []
        self.by_server: dict[tuple[str, int], list[Finding]] = {}
        self.specs: dict[tuple[str, int], ServerSpec] = {}
        self.tasks: dict[asyncio.Task[None], tuple[str, int]] = {}  # check -> (host, port)
        self.addresses: dict[str, asyncio.Future[Vetted]] = {}
        self.provider: str | None = None

    # -- findings ------------------------------------------------------------------------
    def record(self, finding: Finding, bucket: list[Finding] | None = None) -> None:
        (self.general if bucket is None else bucket).append(finding)
        self.emit(finding)

    def findings(self) -> list[Finding]:
        order = sorted(
            self.by_server,
            key=lambda key: (PROTOCOL_ORDER.get(self.specs[key].protocol, 9), key),
        )
        return self.general + [finding for key in order for finding in self.by_server[key]]

    # -- servers ---------------------------------------------------------------------------
    def add(self, servers: list[ServerSpec]) -> None:
        """Start checking each new server at once (at most max_checks per diagnosis)."""
        for server in servers:
            key = (server.host, server.port)
            if key in self.specs or len(self.specs) >= self.settings.max_checks:
                continue
            self.specs[key] = server
            bucket = self.by_server[key] = []
            self.tasks[asyncio.create_task(self._check(server, bucket))] = key

    async def _vet(self, host: str) -> Vetted:
        literal = self.target.ip if host == self.target.host else None
        if literal is not None:
            return self.guard.vet(host, [literal])
        if host not in self.addresses:
            self.addresses[host] = asyncio.ensure_future(self._resolve(host))
        return await asyncio.shield(self.addresses[host])

    async def _resolve(self, host: str) -> Vetted:
        return self.guard.vet(host, await self.resolver.addresses(host))

    async def _check(self, server: ServerSpec, bucket: list[Finding]) -> None:
        def record(finding: Finding) -> None:
            self.record(finding, bucket)

        try:
            check_mail_port(server.port)
            vetted = await self._vet(server.host)
        except Refused as refusal:
            record(Finding.of("target", server.host, server.port, refusal.code, refusal.detail))
            return
        except ProbeError as error:
            record(Finding.of("dns", server.host, None, error.code, error.detail))
            return
        await ServerCheck(
            vetted, server.port, self.settings, self.deadline, record, self.context
        ).run()

    # -- the diagnosis ---------------------------------------------------------------------
    async def run(self) -> None:
        target = self.target
        if target.refused_name:
            self.record(
                Finding.of(
                    "target",
                    target.host,
                    target.port,
                    "blocked_target",
                    f"{target.host} : nom local refusé",
                )
            )
            return
        if target.is_domain:
            await self._domain(target.host)
        else:  # a server, with its port or on the usual ones
            ports = [target.port] if target.port is not None else USUAL_PORTS
            self.add([self._spec(target.host, port) for port in ports])
            provider = self.kb.provider_by_host(target.host) if target.ip is None else None
            self.provider = provider.id if provider else None
        await self._wait()

    async def run_safely(self) -> None:
        try:
            await self.run()
        finally:
            await asyncio.shield(self.cancel())

    def _spec(self, host: str, port: int) -> ServerSpec:
        role = MAIL_PORTS.get(port)
        if role is None:
            return ServerSpec("target", host, port, "none", "target")
        return ServerSpec(role.protocol, host, port, role.security, "target")

    async def _domain(self, domain: str) -> None:
        fetcher = Fetcher(
            self.guard, self._vet, self.context, self.deadline, self.settings.io_timeout
        )
        discovery = Discovery(
            domain,
            resolver=self.resolver,
            fetcher=fetcher,
            kb=self.kb,
            ispdb_base=self.settings.ispdb_url,
            record=self.record,
            on_servers=self.add,
        )
        found = await _bounded(discovery.run(), self.deadline, discovery.result)
        self.provider = found.provider.id if found.provider else None
        if not found.answered:
            return
        if found.lowest_mx:
            self.add([ServerSpec("smtp", found.lowest_mx, 25, "starttls", "mx")])
        if not any(found.sources.values()):
            await self._guess(found.domain)

    async def _exists(self, name: str) -> bool:
        """NAME has addresses (even refused ones: the check will report the refusal)."""
        try:
            await self._vet(name)
        except Refused:
            return True
        except ProbeError:
            return False
        return True

    async def _guess(self, domain: str) -> None:
        """No source names the servers: try the imap., pop., smtp. and mail. names that exist."""
        names = guess_names(domain)
        exists = await _bounded(
            asyncio.gather(*(self._exists(name) for name in names)), self.deadline, []
        )
        found = [name for name, present in zip(names, exists, strict=False) if present]
        shown = ", ".join(found) if found else "aucun n'existe"
        self.record(
            Finding.of(
                "guess",
                domain,
                None,
                "settings_guessed",
                f"aucune source ne publie les réglages ; noms essayés : {', '.join(names)} "
                f"— trouvés : {shown}",
            )
        )
        self.add([spec for spec in guesses(domain) if spec.host in found])

    async def cancel(self) -> None:
        """Stop whatever still runs (the deadline passed, or the caller gave up)."""
        running = [task for task in self.tasks if not task.done()]
        running += [future for future in self.addresses.values() if not future.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for future in self.addresses.values():  # failures were reported by the checks
            if future.done() and not future.cancelled():
                future.exception()

    async def _wait(self) -> None:
        """Wait for the checks until the deadline; a check still running then is cut short."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(self.tasks, timeout=self.deadline.remaining() + MIN_GRACE)
        await self.cancel()
        for task in pending:
            host, port = self.tasks[task]
            self.record(
                Finding.of("deadline", host, port, "deadline_exceeded", "délai global atteint"),
                self.by_server[(host, port)],
            )


async def _bounded(awaitable: Awaitable[T], deadline: Deadline, default: T) -> T:
    try:
        async with asyncio.timeout(deadline.remaining()):
            return await awaitable
    except TimeoutError:
        return default


class _Progress:
    """Feeds findings to the caller's callback in order, without ever holding the checks up."""

    def __init__(self, callback: OnFinding | None) -> None:
        self.callback = callback
        self.queue: asyncio.Queue[Finding | None] = asyncio.Queue()
        self.task = asyncio.create_task(self._drain()) if callback else None

    def put(self, finding: Finding) -> None:
        if self.task is not None:
            self.queue.put_nowait(finding)

    async def _drain(self) -> None:
        assert self.callback is not None
        for _ in range(MAX_PROGRESS_EVENTS):
            finding = await self.queue.get()
            if finding is None:
                return
            try:
                await self.callback(finding)
            except Exception:
                log.exception("progress callback failed")

    async def close(self, grace: float) -> None:
        """Let the callback see the last findings, for GRACE seconds at most."""
        if self.task is None:
            return
        self.queue.put_nowait(None)
        done, _ = await asyncio.wait({self.task}, timeout=grace)
        if not done:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


class Diagnoser:
    """Runs diagnoses: at most max_concurrent at once, results reused for cache_ttl seconds."""

    def __init__(self, kb: Providers, settings: ProbeSettings | None = None) -> None:
        self.kb = kb
        self.settings = settings or ProbeSettings.from_env()
        self._slots: asyncio.Semaphore | None = None
        self._cache: OrderedDict[str, tuple[float, Diagnosis]] = OrderedDict()
        self._context: ssl.SSLContext | None = None
        # Settings are fixed: one guard and one resolver serve every diagnosis.
        self._guard = Guard(self.settings.allow_networks)
        self._resolver = Resolver(self.settings)

    async def run(
        self,
        target: str,
        *,
        on_finding: OnFinding | None = None,
        fresh: bool = False,
    ) -> Diagnosis:
        """Diagnose TARGET (TargetError if it cannot be read); FRESH bypasses the cache."""
        parsed = parse_target(target)
        deadline = Deadline(self.settings.deadline)
        cached = None if fresh else self._cached(parsed.key)
        if cached is not None:
            return dataclasses.replace(cached, target=parsed.raw)
        progress = _Progress(on_finding)
        try:
            diagnosis = await self._diagnose(parsed, deadline, progress.put)
        finally:
            await progress.close(max(MIN_GRACE, deadline.remaining()))
        if not any(finding.code == "too_busy" for finding in diagnosis.findings):
            self._store(parsed.key, diagnosis)
        return diagnosis

    async def _diagnose(
        self, target: Target, deadline: Deadline, emit: Callable[[Finding], None]
    ) -> Diagnosis:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.max_concurrent)
        if self._context is None:
            self._context = verifying_context()
        session = Session(
            target,
            kb=self.kb,
            settings=self.settings,
            deadline=deadline,
            context=self._context,
            guard=self._guard,
            resolver=self._resolver,
            emit=emit,
        )
        try:  # a diagnosis that cannot start within half its time answers too_busy
            async with asyncio.timeout(deadline.seconds * QUEUE_SHARE):
                await self._slots.acquire()
        except TimeoutError:
            session.record(
                Finding.of(
                    "queue",
                    target.host,
                    target.port,
                    "too_busy",
                    "trop de diagnostics en cours : réessayez dans un instant",
                )
            )
        else:
            try:
                await session.run_safely()
            finally:
                self._slots.release()
        diagnosis = Diagnosis(target.raw, session.provider, session.findings())
        diagnosis.summary = summary_text(diagnosis)
        return diagnosis

    def _cached(self, key: str) -> Diagnosis | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        stored, diagnosis = entry
        if time.monotonic() - stored > self.settings.cache_ttl:
            del self._cache[key]
            return None
        return diagnosis

    def _store(self, key: str, diagnosis: Diagnosis) -> None:
        if self.settings.cache_ttl <= 0:
            return
        self._cache[key] = (time.monotonic(), diagnosis)
        self._cache.move_to_end(key)
        while len(self._cache) > self.settings.cache_size:
            self._cache.popitem(last=False)
