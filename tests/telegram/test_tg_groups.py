"""Support-team groups: addressed messages, /q on pasted messages, /auto, privacy mode."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fake_telegram import ANONYMOUS_ADMIN_ID, BOT_USERNAME, Chat, FakeTelegram, Message, User
from tg_harness import RunningBot, StartBot

from bot.engine import Engine
from bot.reply import ReplyKind
from bot.texts import NEVER_SHARE_NOTICE
from handlers.texts import AUTO_ADMINS_ONLY, AUTO_PRIVACY, DELETE_FORBIDDEN, Q_USAGE

SURE = "quel port smtp pour gmail ?"  # the engine is sure of this one (auto mode answers it)
UNSURE = "impossible de recevoir mes mails"  # understood, but not surely enough for /auto
CHATTER = "on mange où ce midi ?"


def _threaded_to(message: Message) -> int | None:
    reference = message.params.get("reply_parameters")
    return json.loads(reference)["message_id"] if reference else None


def _team(fake: FakeTelegram, **group: bool) -> tuple[User, User, Chat]:
    admin, agent = fake.user("Alice"), fake.user("Bruno")
    return admin, agent, fake.group(admins=(admin,), **group)


async def test_commands_are_answered_and_threaded(fake: FakeTelegram, bot: RunningBot) -> None:
    _, agent, group = _team(fake)
    command = fake.send(group, agent, f"/config@{BOT_USERNAME} orange")
    [card] = await fake.wait_messages(group)
    assert "smtp.orange.fr" in card.text and _threaded_to(card) == command.message_id
    fake.send(group, agent, "/ports")
    await fake.wait_messages(group, 2)


async def test_commands_for_another_bot_are_ignored(fake: FakeTelegram, bot: RunningBot) -> None:
    _, agent, group = _team(fake, privacy=False)
    fake.send(group, agent, "/config@AutreBot orange")
    await fake.settle()
    assert not fake.bot_messages(group)


async def test_privacy_mode_hides_chatter_from_the_bot(fake: FakeTelegram, bot: RunningBot) -> None:
    _, agent, group = _team(fake)
    chatter = fake.send(group, agent, SURE)
    assert not fake.delivered(chatter)
    await fake.settle()
    assert not fake.bot_messages(group)


async def test_without_privacy_mode_ordinary_chatter_is_still_ignored(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    _, agent, group = _team(fake, privacy=False)
    for text in (SURE, CHATTER):
        assert fake.delivered(fake.send(group, agent, text))
    await fake.settle()
    assert not fake.bot_messages(group)


async def test_a_mention_is_answered_in_a_thread(fake: FakeTelegram, bot: RunningBot) -> None:
    _, agent, group = _team(fake)
    question = fake.send(group, agent, f"@{BOT_USERNAME} erreur certificat dans outlook")
    [answer] = await fake.wait_messages(group)
    assert "certificat" in answer.text.lower() and _threaded_to(answer) == question.message_id
    fake.send(group, agent, f"@{BOT_USERNAME}")  # a bare mention: what the bot does
    [_, help_message] = await fake.wait_messages(group, 2)
    assert "/config" in help_message.text


async def test_a_reply_to_the_bot_is_answered(fake: FakeTelegram, bot: RunningBot) -> None:
    _, agent, group = _team(fake)
    fake.send(group, agent, f"/ports@{BOT_USERNAME}")
    [ports] = await fake.wait_messages(group)
    follow_up = fake.send(group, agent, SURE, reply_to=ports)
    [_, answer] = await fake.wait_messages(group, 2)
    assert "smtp.gmail.com" in answer.text and _threaded_to(answer) == follow_up.message_id


@pytest.mark.parametrize("how", ["/q", f"/q@{BOT_USERNAME}", f"@{BOT_USERNAME}"])
async def test_an_agent_asks_about_a_pasted_customer_message(
    fake: FakeTelegram, bot: RunningBot, how: str
) -> None:
    _, agent, group = _team(fake)
    pasted = fake.send(group, agent, "Bonjour, quel est le port SMTP de Gmail svp ? Merci")
    fake.send(group, agent, how, reply_to=pasted)
    [answer] = await fake.wait_messages(group)
    assert "smtp.gmail.com" in answer.text
    assert _threaded_to(answer) == pasted.message_id  # under the customer's message


async def test_q_adds_the_agent_s_words_and_explains_itself_alone(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    _, agent, group = _team(fake)
    pasted = fake.send(group, agent, "je n'arrive pas à envoyer mes mails")
    fake.send(group, agent, "/q avec orange sur iphone", reply_to=pasted)
    [answer] = await fake.wait_messages(group)
    assert "smtp.orange.fr" in answer.text
    fake.send(group, agent, "/q")
    [_, usage] = await fake.wait_messages(group, 2)
    assert usage.text == Q_USAGE
    fake.send(group, agent, f"/q {SURE}")
    [*_, direct] = await fake.wait_messages(group, 3)
    assert "smtp.gmail.com" in direct.text


async def test_auto_mode_needs_a_group_admin(fake: FakeTelegram, bot: RunningBot) -> None:
    _, agent, group = _team(fake, privacy=False)
    fake.send(group, agent, "/auto on")
    [refusal] = await fake.wait_messages(group)
    assert refusal.text == AUTO_ADMINS_ONLY
    assert fake.calls_to("getChatMember")
    fake.send(group, agent, SURE)
    await fake.settle()
    assert len(fake.bot_messages(group)) == 1


def test_the_auto_mode_examples_are_sure_and_unsure() -> None:
    engine = Engine.load()
    sure, unsure = engine.answer(SURE), engine.answer(UNSURE)
    assert sure.kind is ReplyKind.ANSWER and sure.confidence >= Engine.AUTO_CONFIDENCE
    assert unsure.kind is ReplyKind.ANSWER and unsure.confidence < Engine.AUTO_CONFIDENCE


async def test_auto_mode_answers_only_sure_questions(fake: FakeTelegram, bot: RunningBot) -> None:
    admin, agent, group = _team(fake, privacy=False)
    fake.send(group, admin, "/auto on")
    [enabled] = await fake.wait_messages(group)
    assert "activé" in enabled.text and AUTO_PRIVACY in enabled.text  # getMe: privacy on
    fake.send(group, agent, CHATTER)
    fake.send(group, agent, UNSURE)
    sure = fake.send(group, agent, SURE)
    [_, answer] = await fake.wait_messages(group, 2)
    assert "smtp.gmail.com" in answer.text and _threaded_to(answer) == sure.message_id
    await fake.settle()
    assert len(fake.bot_messages(group)) == 2
    fake.send(group, admin, "/auto off")
    await fake.wait_messages(group, 3)
    fake.send(group, agent, SURE)
    await fake.settle()
    assert len(fake.bot_messages(group)) == 3


async def test_an_anonymous_admin_may_turn_auto_on(fake: FakeTelegram, bot: RunningBot) -> None:
    _, agent, group = _team(fake, privacy=False)
    command = fake.send(group, agent, "/auto on", anonymous_admin=True)
    assert command.sender.id == ANONYMOUS_ADMIN_ID
    [enabled] = await fake.wait_messages(group)
    assert "activé" in enabled.text
    fake.send(group, agent, SURE)
    await fake.wait_messages(group, 2)


async def test_auto_survives_a_restart(
    fake: FakeTelegram, start_bot: StartBot, tmp_path: Path
) -> None:
    admin, agent, group = _team(fake, privacy=False)
    first = await start_bot()
    fake.send(group, admin, "/auto on")
    await fake.wait_messages(group)
    await first.stop()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("SELECT auto FROM chats WHERE chat_id = ?", (group.id,)).fetchone()[0]
    await start_bot()
    fake.send(group, agent, SURE)
    [_, answer] = await fake.wait_messages(group, 2)
    assert "smtp.gmail.com" in answer.text


async def test_a_clarification_in_a_group_answers_under_the_question(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    _, agent, group = _team(fake)
    question = fake.send(
        group, agent, f"@{BOT_USERNAME} comment créer un mot de passe d'application ?"
    )
    [clarify] = await fake.wait_messages(group)
    assert _threaded_to(clarify) == question.message_id
    data = next(b["callback_data"] for b in clarify.buttons if "|orange|" in b["callback_data"])
    query = fake.press(clarify, data, agent)
    [_, answer] = await fake.wait_messages(group, 2)
    assert query in fake.callback_answers
    assert "orange" in answer.text.lower() and _threaded_to(answer) == question.message_id
    assert clarify.reply_markup is None  # the choice is made: the buttons are gone


async def test_a_password_in_a_group_where_the_bot_is_admin_can_be_deleted(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    _, agent, group = _team(fake, bot_admin=True)
    secret = "Sup3rS3cret!"
    leak = fake.send(group, agent, f"@{BOT_USERNAME} gmail bloque, mon mot de passe est {secret}")
    [warning] = await fake.wait_messages(group)
    assert NEVER_SHARE_NOTICE in warning.text and secret not in warning.text
    delete = f"del|{leak.message_id}"
    assert delete in [button["callback_data"] for button in warning.buttons]
    bystander = fake.user("Passant")
    refused = fake.press(warning, delete, bystander)
    answer = await fake.wait_for(lambda: fake.callback_answers.get(refused))
    assert answer["text"] == DELETE_FORBIDDEN and not leak.deleted
    fake.press(warning, delete, agent)  # the author
    await fake.wait_for(lambda: leak.deleted)
    await fake.wait_for(lambda: delete not in [b["callback_data"] for b in warning.buttons])


async def test_no_delete_offer_where_the_bot_may_not_delete(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    _, agent, group = _team(fake)
    fake.send(group, agent, f"@{BOT_USERNAME} mon mot de passe est Sup3rS3cret! ça bloque")
    [warning] = await fake.wait_messages(group)
    assert NEVER_SHARE_NOTICE in warning.text
    assert not any(b["callback_data"].startswith("del|") for b in warning.buttons)


async def test_auto_mode_warns_about_a_password_in_chatter(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    admin, agent, group = _team(fake, privacy=False, bot_admin=True)
    fake.send(group, admin, "/auto on")
    await fake.wait_messages(group)
    leak = fake.send(group, agent, "au fait mon mot de passe c'est Sup3rS3cret! lol")
    [_, warning] = await fake.wait_messages(group, 2)
    assert warning.text == NEVER_SHARE_NOTICE and _threaded_to(warning) == leak.message_id
    assert f"del|{leak.message_id}" in [b["callback_data"] for b in warning.buttons]


async def test_non_text_in_groups_gets_nothing(fake: FakeTelegram, bot: RunningBot) -> None:
    admin, agent, group = _team(fake, privacy=False)
    fake.send(group, admin, "/auto on")
    await fake.wait_messages(group)
    for kind in ("sticker", "photo", "voice"):
        fake.send(group, agent, kind=kind)
    await fake.settle()
    assert len(fake.bot_messages(group)) == 1
