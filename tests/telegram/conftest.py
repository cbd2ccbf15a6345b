"""Fixtures: the fake Bot API, the real engine, and the real Application running against them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram
from tg_harness import RunningBot, StartBot, bot_env

from bot.config import TelegramSettings
from bot.engine import Engine
from bot.telegram_app import build_application
from handlers.diag import DiagService


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def start_bot(fake: FakeTelegram, engine: Engine, tmp_path: Path) -> AsyncIterator[StartBot]:
    """start_bot(diag=DiagService(...), **env) -> a RunningBot; all are stopped at the end."""
    running: list[RunningBot] = []

    async def start(diag: DiagService | None = None, **env: str) -> RunningBot:
        settings = TelegramSettings.from_env(bot_env(fake, tmp_path / "bot.sqlite3", **env))
        application = build_application(settings, engine, diag_service=diag or DiagService(None))
        bot = RunningBot(application)
        running.append(bot)
        return await bot.start(fake)

    yield start
    for bot in running:
        await bot.stop()


@pytest.fixture
async def bot(start_bot: StartBot) -> RunningBot:
    return await start_bot()
