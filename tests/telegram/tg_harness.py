"""Running the bot for the tests: the real Application in a thread, or `python -m bot run`.

In a thread, the bot runs `Application.run_polling` as in production, with its own event loop
(the fake serves from the test's loop; they only meet over HTTP on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fake_telegram import TOKEN, FakeTelegram

REPO = Path(__file__).resolve().parents[2]
ADMIN_ID = 4242  # a bot administrator (AIDEMAIL_ADMIN_IDS), for /stats
STOP_TIMEOUT = 20.0


def bot_env(fake: FakeTelegram, db_path: Path, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": fake.base_url,
        "AIDEMAIL_DB_PATH": str(db_path),
        "AIDEMAIL_ADMIN_IDS": str(ADMIN_ID),
        **extra,
    }


class RunningBot:
    """bot.telegram_app's Application, polling the fake from a thread."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.loop = asyncio.new_event_loop()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bot", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.application.run_polling(stop_signals=None, close_loop=True)
        except BaseException as error:  # reported by stop()
            self.error = error

    async def start(self, fake: FakeTelegram) -> RunningBot:
        polls = len(fake.calls_to("getUpdates"))
        self.thread.start()
        await fake.wait_for(lambda: len(fake.calls_to("getUpdates")) > polls, within=15)
        return self

    async def stop(self) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.application.stop_running)
            await asyncio.to_thread(self.thread.join, STOP_TIMEOUT)
        assert not self.thread.is_alive(), "the bot did not stop"
        if self.error is not None:
            raise self.error


StartBot = Callable[..., Awaitable[RunningBot]]


@dataclass
class BotProcess:
    """`python -m bot run` started by a test; its stderr goes to a file (a pipe could fill up
    and block the bot)."""

    popen: subprocess.Popen[bytes]
    log: IO[bytes]


def spawn_bot(env: Mapping[str, str], *args: str) -> BotProcess:
    """`python -m bot run ARGS` with ENV (on top of a copy of ours without TELEGRAM_*)."""
    full = {key: value for key, value in os.environ.items() if not key.startswith("TELEGRAM_")}
    full.update(NO_PROXY="127.0.0.1,localhost,::1", PYTHONUNBUFFERED="1")
    full.update(env)
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop_process
    popen = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", *args],
        cwd=REPO,
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    return BotProcess(popen, log)


async def stop_process(process: BotProcess, *, signal_it: bool = True) -> tuple[int, str]:
    """SIGTERM the bot we started (by its pid), wait for it; (exit status, stderr).

    With SIGNAL_IT false, wait for it to exit by itself (killed after STOP_TIMEOUT)."""
    popen = process.popen
    if signal_it and popen.poll() is None:
        popen.send_signal(signal.SIGTERM)
    try:
        await asyncio.to_thread(popen.wait, STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        popen.kill()
        await asyncio.to_thread(popen.wait, 5)
    with process.log:
        process.log.seek(0)
        stderr = process.log.read().decode(errors="replace")
    return popen.returncode, stderr
