"""Inline-button presses: clarification answers, and buttons this bot no longer knows."""

from __future__ import annotations

from telegram import Message, Update

from bot.buttons import AnswerChoice, decode
from handlers.common import BotContext, acknowledge, drop_buttons, is_group, send_reply
from handlers.texts import STALE_BUTTON

ANSWER_PATTERN = r"^ans\|"


async def answer_choice(update: Update, context: BotContext) -> None:
    """A clarification button (provider or device): acknowledge, then answer the question."""
    pressed = await acknowledge(update, AnswerChoice)
    if pressed is None:
        return
    query, choice = pressed
    assert query.message is not None
    await drop_buttons(query, lambda data: isinstance(decode(data), AnswerChoice))
    chat = query.message.chat
    # In a group the answer goes under the original question the clarification replied to.
    question = query.message.reply_to_message if isinstance(query.message, Message) else None
    thread_to = question.message_id if question is not None and is_group(chat) else None
    services = context.services
    async with services.chat_lock(chat.id):
        conversation = await services.storage.conversation(chat.id)
        reply = services.engine.choose(choice, conversation)
        await services.storage.save_conversation(chat.id, conversation)
        await send_reply(context, chat.id, reply, thread_to=thread_to)


async def stale_button(update: Update, context: BotContext) -> None:
    """Data this bot never produced (or from an older version): say so, do nothing."""
    query = update.callback_query
    assert query is not None
    await query.answer(STALE_BUTTON)
