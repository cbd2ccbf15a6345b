"""Per-chat settings and unanswered-question counters, in SQLite.

One connection, used only from one worker thread, so that disk writes never block the event
loop. Chat state is cached in memory after its first read and written through on every
change: a crash loses nothing that was acknowledged to a user.

What is stored: the group's /auto flag, the pending clarification (topic, provider, device:
no message text, see bot.conversation) and, per topic guess, how many questions went
unanswered. The text of unanswered questions is kept only when the operator opts in, and
never for a message that seemed to hold a password.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.conversation import Conversation

T = TypeVar("T")

UNKNOWN_TOPIC = ""  # the counter of questions without any topic guess
_MAX_SAMPLE_CHARS = 500
_MAX_SAMPLES = 1000  # oldest stored texts are dropped beyond this
_CACHE_LIMIT = 50_000  # chats kept in memory; the cache restarts empty beyond this

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER PRIMARY KEY,
    auto INTEGER NOT NULL DEFAULT 0,
    conversation TEXT NOT NULL DEFAULT '{}',
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS unanswered (
    topic TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS unanswered_samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    text TEXT NOT NULL,
    seen REAL NOT NULL
);
"""


@dataclass(slots=True)
class ChatState:
    auto: bool = False
    conversation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnansweredCount:
    topic: str  # UNKNOWN_TOPIC when the engine had no guess
    count: int


class Storage:
    """Async facade over one SQLite file (":memory:" works too)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._connection: sqlite3.Connection | None = None
        self._chats: dict[int, ChatState] = {}

    # -- life cycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        await self._run(self._open)

    async def close(self) -> None:
        if self._connection is not None:
            await self._run(self._close)
        self._executor.shutdown(wait=True)

    def _open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(_SCHEMA)
        self._connection = connection

    def _close(self) -> None:
        assert self._connection is not None
        self._connection.close()
        self._connection = None

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError("Storage.open() was not awaited")
        return self._connection

    # -- chats --------------------------------------------------------------------------------
    async def chat(self, chat_id: int) -> ChatState:
        """The chat's state (a copy is not made: treat it as read-only, use the setters)."""
        state = self._chats.get(chat_id)
        if state is None:
            state = await self._run(self._read_chat, chat_id)
            if len(self._chats) >= _CACHE_LIMIT:
                self._chats.clear()
            state = self._chats.setdefault(chat_id, state)
        return state

    async def conversation(self, chat_id: int) -> Conversation:
        return Conversation.from_dict((await self.chat(chat_id)).conversation)

    async def save_conversation(self, chat_id: int, conversation: Conversation) -> None:
        state = await self.chat(chat_id)
        data = conversation.to_dict()
        if data != state.conversation:
            state.conversation = data
            await self._run(self._write_chat, chat_id, state.auto, data)

    async def set_auto(self, chat_id: int, auto: bool) -> None:
        state = await self.chat(chat_id)
        state.auto = auto
        await self._run(self._write_chat, chat_id, auto, state.conversation)

    def _read_chat(self, chat_id: int) -> ChatState:
        row = self._db.execute(
            "SELECT auto, conversation FROM chats WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        if row is None:
            return ChatState(False, Conversation().to_dict())
        try:
            conversation = Conversation.from_dict(json.loads(row[1])).to_dict()
        except (ValueError, TypeError):  # written by another version: start afresh
            conversation = Conversation().to_dict()
        return ChatState(bool(row[0]), conversation)

    def _write_chat(self, chat_id: int, auto: bool, conversation: dict[str, Any]) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO chats (chat_id, auto, conversation, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET auto = excluded.auto, "
                "conversation = excluded.conversation, updated = excluded.updated",
                (chat_id, int(auto), json.dumps(conversation), time.time()),
            )

    # -- unanswered questions -----------------------------------------------------------------
    async def count_unanswered(self, topic: str | None, text: str | None = None) -> None:
        """Count one unanswered question under TOPIC; keep TEXT only if given (opt-in)."""
        await self._run(self._count_unanswered, topic or UNKNOWN_TOPIC, text)

    async def top_unanswered(self, limit: int = 10) -> list[UnansweredCount]:
        return await self._run(self._top_unanswered, limit)

    async def recent_samples(self, limit: int = 5) -> list[tuple[str, str]]:
        """The last stored (topic, text) pairs, newest first (empty unless opted in)."""
        return await self._run(self._recent_samples, limit)

    def _count_unanswered(self, topic: str, text: str | None) -> None:
        now = time.time()
        with self._db:
            self._db.execute(
                "INSERT INTO unanswered (topic, count, last_seen) VALUES (?, 1, ?) "
                "ON CONFLICT(topic) DO UPDATE SET count = count + 1, "
                "last_seen = excluded.last_seen",
                (topic, now),
            )
            if text:
                self._db.execute(
                    "INSERT INTO unanswered_samples (topic, text, seen) VALUES (?, ?, ?)",
                    (topic, text[:_MAX_SAMPLE_CHARS], now),
                )
                self._db.execute(
                    "DELETE FROM unanswered_samples WHERE id <= "
                    "(SELECT MAX(id) FROM unanswered_samples) - ?",
                    (_MAX_SAMPLES,),
                )

    def _top_unanswered(self, limit: int) -> list[UnansweredCount]:
        rows = self._db.execute(
            "SELECT topic, count FROM unanswered ORDER BY count DESC, last_seen DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [UnansweredCount(topic, count) for topic, count in rows]

    def _recent_samples(self, limit: int) -> list[tuple[str, str]]:
        rows = self._db.execute(
            "SELECT topic, text FROM unanswered_samples ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [(topic, text) for topic, text in rows]
