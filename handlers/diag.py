"""/diag and the "Tester…"/"Relancer" buttons: live probes, shown as they progress.

The first message says the diagnosis started; it is edited as findings arrive (at most one
edit per EDIT_INTERVAL, never to identical content), then replaced by the verdict with its
"Relancer" button. Each user and each chat may start only a few diagnoses per window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from telegram import Bot, Chat, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot import probes
from bot.buttons import DiagnoseChoice, fits
from bot.kb import KnowledgeBase
from bot.render import render_html, split_html
from bot.reply import Button, Reply, notice
from handlers.common import BotContext, acknowledge, keyboard, send_parts, send_reply
from handlers.texts import (
    DIAG_FAILED,
    DIAG_STARTED,
    DIAG_UNAVAILABLE,
    DIAG_USAGE,
    DIAG_WAIT,
    RETRY,
)

log = logging.getLogger("aidemail.telegram")

DIAG_PATTERN = r"^(re)?diag\|"
EDIT_INTERVAL = 1.0  # seconds between two progress edits of the same message
_MAX_TRACKED_KEYS = 10_000


class Diagnoser(Protocol):
    async def run(
        self, target: str, *, on_finding: Callable[[Any], Awaitable[None]], fresh: bool = False
    ) -> Any: ...


class SlidingWindow:
    """At most LIMIT events per key within WINDOW seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[object, deque[float]] = {}

    def retry_in(self, key: object, now: float) -> float:
        """Seconds before KEY may act again (0: it may now)."""
        events = self._events.get(key)
        if events is None:
            return 0.0
        while events and events[0] <= now - self.window:
            events.popleft()
        return 0.0 if len(events) < self.limit else events[0] + self.window - now

    def record(self, key: object, now: float) -> None:
        if len(self._events) >= _MAX_TRACKED_KEYS:
            self._events = {
                k: v for k, v in self._events.items() if v and v[-1] > now - self.window
            }
        self._events.setdefault(key, deque()).append(now)


@dataclass
class DiagService:
    """The probes as the handlers see them (DIAGNOSER None: probes switched off)."""

    diagnoser: Diagnoser | None
    diagnosis_reply: Callable[[Any], Reply] = probes.diagnosis_reply
    progress_reply: Callable[[str, list[Any]], Reply] = probes.progress_reply
    target_error: type[Exception] = probes.TargetError
    per_user: SlidingWindow = field(default_factory=lambda: SlidingWindow(3, 120.0))
    per_chat: SlidingWindow = field(default_factory=lambda: SlidingWindow(10, 120.0))
    edit_interval: float = EDIT_INTERVAL

    @classmethod
    def from_probes(cls, kb: KnowledgeBase) -> DiagService:
        """The live probes of bot.probes (ValueError naming a malformed PROBE_* setting)."""
        diagnoser = probes.Diagnoser(kb, settings=probes.ProbeSettings.from_env())
        return cls(diagnoser)

    def retry_in(self, user_id: int, chat_id: int) -> int:
        now = time.monotonic()
        wait = max(self.per_user.retry_in(user_id, now), self.per_chat.retry_in(chat_id, now))
        if wait <= 0:
            self.per_user.record(user_id, now)
            self.per_chat.record(chat_id, now)
        return int(wait + 0.999)


class ProgressMessage:
    """One message edited as a diagnosis progresses: throttled, never to the same content."""

    def __init__(self, bot: Bot, message: Message, shown: str, interval: float) -> None:
        self.bot, self.message, self.interval = bot, message, interval
        self._shown: tuple[str, InlineKeyboardMarkup | None] = (shown, None)
        self._last_edit = time.monotonic()
        self._latest: Reply | None = None
        self._flush: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def show(self, reply: Reply) -> None:
        """Show REPLY now, or at the end of the throttle interval (the latest one wins)."""
        self._latest = reply
        wait = self._last_edit + self.interval - time.monotonic()
        if wait <= 0:
            await self._edit(reply)
        elif self._flush is None:
            self._flush = asyncio.get_running_loop().create_task(self._flush_later(wait))

    async def _flush_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self._flush = None
        if self._latest is not None:
            await self._edit(self._latest)

    async def finish(self, reply: Reply) -> None:
        """Replace the progress by REPLY; parts beyond Telegram's limit follow as messages."""
        if self._flush is not None:
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush
        self._latest = None
        parts = split_html(render_html(reply))
        markup = keyboard(reply.buttons)
        await self._edit_html(parts[0], markup if len(parts) == 1 else None)
        await send_parts(self.bot, self.message.chat_id, parts[1:], markup)

    async def _edit(self, reply: Reply) -> None:
        await self._edit_html(split_html(render_html(reply))[0], keyboard(reply.buttons))

    async def _edit_html(self, text: str, markup: InlineKeyboardMarkup | None) -> None:
        async with self._lock:
            if (text, markup) == self._shown:
                return
            try:
                await self.bot.edit_message_text(
                    text, self.message.chat_id, self.message.message_id, reply_markup=markup
                )
            except BadRequest as error:
                if "not modified" not in str(error).lower():
                    raise
            self._shown = (text, markup)
            self._last_edit = time.monotonic()


def _with_retry(reply: Reply, target: str) -> Reply:
    """The verdict keeps (or gets) its "Relancer" button: a fresh run, bypassing the cache."""
    retry = DiagnoseChoice(target, fresh=True)
    if not fits("rediag", target) or any(button.data == retry.encode() for button in reply.buttons):
        return reply
    return replace(reply, buttons=[*reply.buttons, Button(RETRY, retry.encode())])


async def run_diagnosis(
    context: BotContext,
    chat: Chat,
    user_id: int,
    target: str,
    *,
    fresh: bool = False,
    reply_to: int | None = None,
) -> None:
    service = context.services.diag
    if service.diagnoser is None:
        await send_reply(context, chat, notice(DIAG_UNAVAILABLE), reply_to=reply_to)
        return
    wait = service.retry_in(user_id, chat.id)
    if wait:
        refusal = notice(DIAG_WAIT.format(seconds=wait))
        await send_reply(context, chat, refusal, reply_to=reply_to)
        return
    # The diagnoser caps how many run at once (it queues, then reports "too busy").
    first = notice(DIAG_STARTED.format(target=target))
    started = await send_reply(context, chat, first, reply_to=reply_to)
    shown = split_html(render_html(first))[-1]
    progress = ProgressMessage(context.bot, started[-1], shown, service.edit_interval)
    findings: list[Any] = []

    async def on_finding(finding: Any) -> None:
        findings.append(finding)
        await progress.show(service.progress_reply(target, list(findings)))

    try:
        diagnosis = await service.diagnoser.run(target, on_finding=on_finding, fresh=fresh)
    except service.target_error as error:
        reply = notice(str(error))
    except Exception:
        log.exception("diagnosis failed")
        reply = notice(DIAG_FAILED.format(target=target))
    else:
        reply = _with_retry(service.diagnosis_reply(diagnosis), target)
    await progress.finish(reply)


async def diag_command(update: Update, context: BotContext) -> None:
    """/diag <adresse|domaine|serveur>; without an argument, its usage."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None
    target = " ".join(context.args or ()).strip()
    if not target:
        await send_reply(context, chat, notice(DIAG_USAGE), reply_to=message.message_id)
        return
    user_id = user.id if user is not None else chat.id
    await run_diagnosis(context, chat, user_id, target, reply_to=message.message_id)


async def diag_button(update: Update, context: BotContext) -> None:
    """A "Tester exemple.fr" button under an answer, or "Relancer" under a verdict."""
    pressed = await acknowledge(update, DiagnoseChoice)
    if pressed is None:
        return
    choice, message = pressed.choice, pressed.message
    await run_diagnosis(
        context,
        message.chat,
        pressed.query.from_user.id,
        choice.target,
        fresh=choice.fresh,
        reply_to=message.message_id,
    )
