"""Long replies: split under 4096 characters between lines, keyboard on the last part."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from fake_telegram import FakeTelegram, utf16_len
from tg_harness import bot_env

from bot.config import TelegramSettings
from bot.engine import Engine
from bot.reply import Button, Reply, ReplyKind, Section
from bot.telegram_app import build_application
from handlers.common import send_reply
from handlers.diag import DiagService


async def test_a_long_reply_is_split_cleanly_with_buttons_last(
    fake: FakeTelegram, engine: Engine, tmp_path: Path
) -> None:
    settings = TelegramSettings.from_env(bot_env(fake, tmp_path / "db.sqlite3"))
    application = build_application(settings, engine, diag_service=DiagService(None))
    step = "Ouvrez <Réglages> & choisissez « Comptes » puis `imap.exemple.fr` 🙂 " * 2
    sections = [
        Section(title=f"Étape {number} : <b>ceci n'est pas une balise</b>", steps=[step] * 6)
        for number in range(40)
    ]
    buttons = [Button("Orange", "ans|smtp_ports|orange|"), Button("Autre", "ans|smtp_ports|other|")]
    reply = Reply(ReplyKind.ANSWER, sections, buttons=buttons)
    user = fake.user()
    chat = fake.private_chat(user)
    async with application.bot:
        context = SimpleNamespace(bot=application.bot)
        sent = await send_reply(context, chat, reply)  # type: ignore[arg-type]
    parts = fake.bot_messages(chat)
    assert len(parts) == len(sent) >= 5 and not fake.errors()
    assert all(utf16_len(part.text or "") <= 4096 for part in parts)
    assert [bool(part.reply_markup) for part in parts] == [False] * (len(parts) - 1) + [True]
    text = "\n".join(part.text or "" for part in parts)
    assert all(f"Étape {number} : <b>" in text for number in range(40))
    assert text.count("Ouvrez <Réglages> & choisissez") == 40 * 6 * 2
