"""Inline-button presses: clarification answers, and buttons this bot no longer knows."""

from __future__ import annotations

from telegram import Message, Update

from bot.buttons import AnswerChoice, decode
from handlers.common import BotContext, acknowledge, drop_buttons, send_reply
from handlers.texts import STALE_BUTTON

ANSWER_PATTERN = r"^ans\|"


async def answer_choice(update: Update, context: BotContext) -> None:
    """A clarification button (provider or device): acknowledge, then answer the question."""
    pressed = await acknowledge(update, AnswerChoice)
    if pressed is None:
        return
    await drop_buttons(pressed.query, lambda data: isinstance(decode(data), AnswerChoice))
    chat = pressed.message.chat
    # The answer is about the original question the clarification replied to.
    message = pressed.message
    question = message.reply_to_message if isinstance(message, Message) else None
    services = context.services
    async with services.chat_lock(chat.id):
        conversation = await services.storage.conversation(chat.id)
        reply = services.engine.choose(pressed.choice, conversation)
        await services.storage.save_conversation(chat.id, conversation)
        reply_to = question.message_id if question is not None else None
        await send_reply(context, chat, reply, reply_to=reply_to)


async def stale_button(update: Update, context: BotContext) -> None:
    """Data this bot never produced (or from an older version): say so, do nothing."""
    query = update.callback_query
    assert query is not None
    await query.answer(STALE_BUTTON)
