"""Unanswered questions: counted by topic guess, text kept only on opt-in; /stats for admins."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram, User
from tg_harness import ADMIN_ID, RunningBot, StartBot

from bot.engine import Engine
from bot.reply import ReplyKind
from handlers.texts import STATS_ADMINS_ONLY, STATS_EMPTY

# Off-topic messages; which ones the engine declines is its business, so the tests ask it.
OFF_TOPIC = [
    "bonjour <b>toi</b> & moi",
    "la recette des <crêpes> & du cidre",
    "qui a gagné le match hier ?",
    "quelle est la météo demain à Lyon",
    "raconte moi une blague",
]
OFF_TOPIC_WITH_PASSWORD = [
    "le mot de passe du wifi est Xk9!pq2z",
    "raconte moi une blague, pass=Xk9!pq2z",
    "la météo demain à Lyon ? pwd: Xk9!pq2z",
    "bonjour pwd=Xk9!pq2z",
]


@pytest.fixture
def declined(engine: Engine) -> list[str]:
    texts = [text for text in OFF_TOPIC if engine.answer(text).kind is ReplyKind.DECLINE]
    assert len(texts) >= 2, "the engine should decline most off-topic messages"
    return texts


def _samples(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as db:
        return [row[0] for row in db.execute("SELECT text FROM unanswered_samples")]


def _counted(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT COALESCE(SUM(count), 0) FROM unanswered").fetchone()[0]


async def _decline_all(fake: FakeTelegram, texts: list[str]) -> None:
    user = fake.user()
    chat = fake.private_chat(user)
    for number, text in enumerate(texts, 1):
        fake.send(chat, user, text)
        await fake.wait_messages(chat, number)


async def test_stats_is_for_bot_admins_only(fake: FakeTelegram, bot: RunningBot) -> None:
    user = fake.user()
    chat = fake.private_chat(user)
    fake.send(chat, user, "/stats")
    [refusal] = await fake.wait_messages(chat)
    assert refusal.text == STATS_ADMINS_ONLY


async def test_unanswered_questions_are_counted_without_their_text(
    fake: FakeTelegram, bot: RunningBot, tmp_path: Path, declined: list[str]
) -> None:
    admin = User(ADMIN_ID, "Opératrice")
    admin_chat = fake.private_chat(admin)
    fake.send(admin_chat, admin, "/stats")
    [empty] = await fake.wait_messages(admin_chat)
    assert empty.text == STATS_EMPTY
    await _decline_all(fake, declined)
    assert _counted(tmp_path / "bot.sqlite3") == len(declined)
    assert _samples(tmp_path / "bot.sqlite3") == []
    fake.send(admin_chat, admin, "/stats")
    [_, stats] = await fake.wait_messages(admin_chat, 2)
    rows = stats.text.splitlines()[1:]  # "1. Topic (id) : 2"
    assert sum(int(row.rsplit(" : ", 1)[1]) for row in rows) == len(declined)
    assert not any(text in stats.text for text in declined)


async def test_the_operator_may_keep_unanswered_texts_but_never_passwords(
    fake: FakeTelegram, start_bot: StartBot, tmp_path: Path, declined: list[str], engine: Engine
) -> None:
    replies = {text: engine.answer(text) for text in OFF_TOPIC_WITH_PASSWORD}
    leaks = [t for t, r in replies.items() if r.kind is ReplyKind.DECLINE and r.secret_detected]
    assert leaks, "one of these should be declined and flagged as holding a password"
    await start_bot(AIDEMAIL_STORE_UNANSWERED_TEXT="1")
    await _decline_all(fake, [*declined, *leaks])
    assert _counted(tmp_path / "bot.sqlite3") == len(declined) + len(leaks)
    samples = _samples(tmp_path / "bot.sqlite3")
    assert sorted(samples) == sorted(declined)  # the password-holding ones were not kept
    admin = User(ADMIN_ID, "Opératrice")
    admin_chat = fake.private_chat(admin)
    fake.send(admin_chat, admin, "/stats")
    [stats] = await fake.wait_messages(admin_chat)
    assert declined[0] in stats.text  # shown, escaped (the fake's HTML parser accepted it)
    assert not fake.errors()
