"""Private chats: every text gets an answer; commands; non-text; long pastes; many users."""

from __future__ import annotations

import asyncio
import json

import pytest
from fake_telegram import FakeTelegram, Message
from tg_harness import RunningBot, StartBot

from bot.engine import Engine
from bot.texts import NEVER_SHARE_NOTICE, NOT_TEXT
from handlers.texts import DIAG_UNAVAILABLE, DIAG_USAGE, ERROR, STALE_BUTTON, UNKNOWN_COMMAND


def _private(fake: FakeTelegram, name: str = "Camille"):
    user = fake.user(name)
    return user, fake.private_chat(user)


async def _ask(fake: FakeTelegram, text: str) -> list[Message]:
    user, chat = _private(fake)
    fake.send(chat, user, text)
    return await fake.wait_messages(chat)


async def test_a_question_gets_an_html_answer_without_link_preview(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    [answer] = await _ask(fake, "quel port smtp pour gmail ?")
    assert "smtp.gmail.com" in answer.text
    assert answer.params["parse_mode"] == "HTML"
    assert json.loads(answer.params["link_preview_options"]) == {"is_disabled": True}
    assert "reply_parameters" not in answer.params  # private answers are not threaded
    assert not fake.errors()


@pytest.mark.parametrize("command", ["/start", "/aide", "/help"])
async def test_help_commands_explain_with_examples(
    fake: FakeTelegram, bot: RunningBot, engine: Engine, command: str
) -> None:
    [answer] = await _ask(fake, command)
    assert "quel port smtp pour gmail" in answer.text  # one of the examples
    assert "/config" in answer.text and "mot de passe" in answer.text


async def test_config_is_fuzzy_and_shows_the_settings_card(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    [card] = await _ask(fake, "/config orang")
    assert "imap.orange.fr" in card.text and "smtp.orange.fr" in card.text
    assert json.loads(card.params["link_preview_options"]) == {"is_disabled": True}
    [usage] = await _ask(fake, "/config")
    assert "/config" in usage.text and "orange" in usage.text


async def test_ports_gives_the_port_table(fake: FakeTelegram, bot: RunningBot) -> None:
    [table] = await _ask(fake, "/ports")
    assert all(port in table.text for port in ("993", "995", "465", "587"))


async def test_diag_says_it_is_unavailable_and_shows_usage_without_argument(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    [usage] = await _ask(fake, "/diag")
    assert usage.text == DIAG_USAGE
    [unavailable] = await _ask(fake, "/diag exemple.fr")
    assert unavailable.text == DIAG_UNAVAILABLE


async def test_unknown_command_points_to_help(fake: FakeTelegram, bot: RunningBot) -> None:
    [answer] = await _ask(fake, "/recette")
    assert answer.text == UNKNOWN_COMMAND


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_non_text_gets_a_send_me_text_reply(
    fake: FakeTelegram, bot: RunningBot, kind: str
) -> None:
    user, chat = _private(fake)
    fake.send(chat, user, kind=kind)
    [answer] = await fake.wait_messages(chat)
    assert answer.text == NOT_TEXT


async def test_a_photo_with_a_question_as_caption_is_answered(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    user, chat = _private(fake)
    fake.send(chat, user, kind="photo", caption="erreur certificat dans outlook")
    [answer] = await fake.wait_messages(chat)
    assert "certificat" in answer.text.lower() and answer.text != NOT_TEXT


async def test_edited_messages_are_not_answered_again(fake: FakeTelegram, bot: RunningBot) -> None:
    user, chat = _private(fake)
    first = fake.send(chat, user, "quel port smtp pour gmail ?")
    await fake.wait_messages(chat)
    fake.send(chat, user, "quel port imap pour gmail ?", edited_from=first)
    await fake.settle()
    assert len(fake.bot_messages(chat)) == 1


async def test_user_text_is_escaped(fake: FakeTelegram, bot: RunningBot) -> None:
    """Markup-like input reaches the fake's strict HTML parser only escaped."""
    for text in ("<b>smtp</b> & <i>gmail", "/config <orange> & co", "a < b && c > d"):
        user, chat = _private(fake)
        fake.send(chat, user, text)
        await fake.wait_messages(chat)
    assert not fake.errors()


async def test_a_5000_character_paste_is_answered_within_telegram_limits(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    filler = (
        "Nous avons déménagé le bureau la semaine dernière et depuis rien ne fonctionne "
        "comme avant, l'imprimante aussi a été changée. "
    )
    paste = "Bonjour,\n\n" + filler * 20 + "\nJe n'arrive plus à envoyer mes mails depuis "
    paste += "mon iPhone avec Orange, les messages restent dans la boîte d'envoi.\n\n"
    paste = (paste + filler * 40)[:4950] + "\n\nCordialement,\nDominique"
    assert len(paste) >= 4900
    user, chat = _private(fake)
    fake.send(chat, user, paste + "x" * (5000 - len(paste)))
    answers = await fake.wait_messages(chat)
    assert "smtp.orange.fr" in " ".join(message.text or "" for message in answers)
    assert not fake.errors()


async def test_a_password_is_never_repeated(fake: FakeTelegram, bot: RunningBot) -> None:
    secret = "Tr0ub4dor&3xZ"
    answers = await _ask(fake, f"mon mot de passe est {secret} et gmail refuse, que faire ?")
    text = " ".join(message.text or "" for message in answers)
    assert NEVER_SHARE_NOTICE in text
    assert secret not in text and secret not in json.dumps([m.params for m in answers])
    assert not any("del|" in str(m.reply_markup) for m in answers)  # no delete offer in private


async def test_fifty_private_chats_writing_at_once_are_all_answered(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    questions = ["quel port smtp pour gmail ?", "erreur certificat dans outlook"]
    chats = []
    for number in range(50):
        user, chat = _private(fake, f"Client{number}")
        fake.send(chat, user, questions[number % 2])
        chats.append(chat)
    await fake.wait_for(lambda: all(fake.bot_messages(chat) for chat in chats), within=30)
    for number, chat in enumerate(chats):
        [answer] = fake.bot_messages(chat)
        assert ("smtp.gmail.com" in answer.text) == (number % 2 == 0)
    assert not fake.errors()


async def test_a_flood_limit_is_retried_after_telegram_s_delay(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    fake.flood["sendMessage"] = (1, 1)  # the next sendMessage gets 429 retry_after=1
    [answer] = await _ask(fake, "quel port smtp pour gmail ?")
    assert "smtp.gmail.com" in answer.text
    assert [call.status for call in fake.calls_to("sendMessage")] == [429, 200]


async def test_one_slow_update_does_not_stall_the_others(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    slow_user, slow_chat = _private(fake, "Lent")
    fake.hold[slow_chat.id] = release = asyncio.Event()  # its answer hangs at the Bot API
    fake.send(slow_chat, slow_user, "erreur certificat dans outlook")
    await fake.wait_for(lambda: fake.calls_to("sendMessage"))
    [answer] = await _ask(fake, "quel port smtp pour gmail ?")
    assert "smtp.gmail.com" in answer.text and not fake.bot_messages(slow_chat)
    release.set()
    await fake.wait_messages(slow_chat)


async def test_an_error_is_logged_reported_and_the_bot_keeps_running(
    fake: FakeTelegram,
    bot: RunningBot,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_answer = engine.answer

    def answer(text: str, conversation):
        if "boum" in text:
            raise RuntimeError("engine exploded")
        return real_answer(text, conversation)

    monkeypatch.setattr(engine, "answer", answer)
    [apology] = await _ask(fake, "boum contact@exemple.fr")
    assert apology.text == ERROR
    assert any(record.exc_info and "engine exploded" in str(record.exc_info[1])
               for record in caplog.records)  # fmt: skip
    assert not any("contact@exemple.fr" in record.getMessage() for record in caplog.records)
    [answer_message] = await _ask(fake, "quel port smtp pour gmail ?")
    assert "smtp.gmail.com" in answer_message.text


async def test_unknown_button_data_is_acknowledged_as_stale(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    user, chat = _private(fake)
    fake.send(chat, user, "/aide")
    [help_message] = await fake.wait_messages(chat)
    help_message.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": "v0|old"}]]}
    query = fake.press(help_message, "v0|old", user)
    answer = await fake.wait_for(lambda: fake.callback_answers.get(query))
    assert answer["text"] == STALE_BUTTON


async def test_logs_hold_no_message_text(
    fake: FakeTelegram, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    await start_bot()
    await _ask(fake, "quel port smtp pour gmail ? camille@exemple.fr")
    assert caplog.records  # the bot does log (start-up), just not what users write
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "camille@exemple.fr" not in logged and "quel port" not in logged
    assert fake.token not in logged  # httpx would log request URLs, which hold the token
