"""Clarifying questions: inline keyboards, button presses, typed answers, across a restart."""

from __future__ import annotations

from fake_telegram import MAX_CALLBACK_DATA, Chat, FakeTelegram, Message, User
from tg_harness import RunningBot, StartBot

from bot.buttons import AnswerChoice, decode
from bot.engine import Engine

QUESTION = "comment créer un mot de passe d'application ?"  # the answer depends on the provider


async def _clarification(fake: FakeTelegram) -> tuple[User, Chat, Message]:
    """A user asks QUESTION in private; (user, chat, the bot's clarifying question)."""
    user = fake.user()
    chat = fake.private_chat(user)
    fake.send(chat, user, QUESTION)
    [clarify] = await fake.wait_messages(chat)
    return user, chat, clarify


def _choice(data: str) -> AnswerChoice:
    choice = decode(data)
    assert isinstance(choice, AnswerChoice)
    return choice


async def test_a_button_press_is_acknowledged_and_answered_in_context(
    fake: FakeTelegram, bot: RunningBot, engine: Engine
) -> None:
    user, chat, clarify = await _clarification(fake)
    datas = [button["callback_data"] for button in clarify.buttons]
    assert len(datas) >= 3
    assert all(1 <= len(data.encode()) <= MAX_CALLBACK_DATA for data in datas)
    orange = next(data for data in datas if _choice(data).provider == "orange")
    query = fake.press(clarify, orange, user)
    [_, answer] = await fake.wait_messages(chat, 2)
    assert query in fake.callback_answers  # the spinner on the button stops
    assert engine.kb.topics[_choice(orange).topic].title in answer.text  # the original question
    assert "Orange" in answer.text
    assert clarify.reply_markup is None and not fake.errors()


async def test_a_typed_answer_completes_the_pending_question(
    fake: FakeTelegram, bot: RunningBot, engine: Engine
) -> None:
    user, chat, clarify = await _clarification(fake)
    topic = _choice(clarify.buttons[0]["callback_data"]).topic
    fake.send(chat, user, "orange")
    [_, answer] = await fake.wait_messages(chat, 2)
    assert engine.kb.topics[topic].title in answer.text and "Orange" in answer.text


async def test_a_pending_question_survives_a_restart(
    fake: FakeTelegram, start_bot: StartBot, engine: Engine
) -> None:
    user = fake.user()
    chat = fake.private_chat(user)
    first = await start_bot()
    fake.send(chat, user, QUESTION)
    [clarify] = await fake.wait_messages(chat)
    topic = _choice(clarify.buttons[0]["callback_data"]).topic
    await first.stop()
    await start_bot()
    fake.send(chat, user, "sfr")
    [_, answer] = await fake.wait_messages(chat, 2)
    assert engine.kb.topics[topic].title in answer.text and "SFR" in answer.text


async def test_a_second_press_on_a_used_keyboard_does_no_harm(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    user, chat, clarify = await _clarification(fake)
    data = clarify.buttons[0]["callback_data"]
    keyboard = clarify.reply_markup
    fake.press(clarify, data, user)
    await fake.wait_messages(chat, 2)
    clarify.reply_markup = keyboard  # a client that still shows the old keyboard
    second = fake.press(clarify, data, user)
    await fake.wait_for(lambda: second in fake.callback_answers)
    await fake.wait_messages(chat, 3)
    assert all(call.status == 200 for call in fake.calls_to("answerCallbackQuery"))


async def test_a_quick_answer_to_a_fresh_question_sees_its_clarification(
    fake: FakeTelegram, bot: RunningBot, engine: Engine
) -> None:
    """Both messages reach the bot in one batch; the chat's lock keeps them in order."""
    chats = []
    for _ in range(10):
        user = fake.user()
        chat = fake.private_chat(user)
        fake.send(chat, user, QUESTION)
        fake.send(chat, user, "orange")
        chats.append(chat)
    for chat in chats:
        [clarify, answer] = await fake.wait_messages(chat, 2)
        assert clarify.buttons and not answer.buttons
        topic = _choice(clarify.buttons[0]["callback_data"]).topic
        assert engine.kb.topics[topic].title in answer.text and "Orange" in answer.text
