"""Support-team groups: answer when addressed, /q on a pasted message, and the /auto mode.

The bot answers a group message when it is a command for it, mentions it, or replies to one
of its messages. An agent who replies to a pasted customer message with /q (or with a
mention) gets the answer to that pasted message, threaded to it. Other chatter is ignored,
unless an admin turned /auto on: then only sure answers are sent.
"""

from __future__ import annotations

import re

from telegram import Chat, Message, MessageEntity, Update

from bot.reply import notice
from handlers.common import BotContext, send_reply, sender_is_admin, text_of
from handlers.messages import answer
from handlers.texts import (
    AUTO_ADMINS_ONLY,
    AUTO_OFF,
    AUTO_ON,
    AUTO_PRIVACY,
    AUTO_PRIVATE,
    AUTO_STATE,
    OFF,
    ON,
    Q_NOTHING,
    Q_USAGE,
)

_ON_WORDS = {"on", "oui", "activer", "active", "marche", "1"}
_OFF_WORDS = {"off", "non", "desactiver", "désactiver", "arret", "arrêt", "0"}


def mentions_bot(message: Message, context: BotContext) -> bool:
    username = f"@{context.bot.username}".lower()
    entities = (
        message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
        if message.text
        else message.parse_caption_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    )
    return any(
        (entity.type == MessageEntity.MENTION and text.lower() == username)
        or (entity.user is not None and entity.user.id == context.bot.id)
        for entity, text in entities.items()
    )


def without_mention(text: str, context: BotContext) -> str:
    return re.sub(rf"@{re.escape(context.bot.username)}\b", " ", text, flags=re.IGNORECASE).strip()


def _pasted(message: Message, context: BotContext) -> Message | None:
    """The customer message an agent replies to (not one of the bot's own messages)."""
    quoted = message.reply_to_message
    if quoted is None or (quoted.from_user is not None and quoted.from_user.id == context.bot.id):
        return None
    return quoted


def _replies_to_bot(message: Message, context: BotContext) -> bool:
    quoted = message.reply_to_message
    return bool(quoted and quoted.from_user and quoted.from_user.id == context.bot.id)


async def group_text(update: Update, context: BotContext) -> None:
    """Any group text the bot receives (all of it when its privacy mode is off)."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    text = text_of(message)
    if mentions_bot(message, context):
        own = without_mention(text, context)
        pasted = _pasted(message, context)
        if pasted is not None:
            await _answer_pasted(context, chat, pasted, extra=own)
        elif own:
            await answer(context, chat, own, source_id=message.message_id)
        else:
            help_reply = context.services.engine.help_reply()
            await send_reply(context, chat, help_reply, reply_to=message.message_id)
    elif _replies_to_bot(message, context):
        await answer(context, chat, text, source_id=message.message_id)
    elif (await context.services.storage.chat(chat.id)).auto:
        await answer(
            context,
            chat,
            text,
            source_id=message.message_id,
            auto=True,
        )


async def _answer_pasted(context: BotContext, chat: Chat, pasted: Message, extra: str = "") -> None:
    text = text_of(pasted)
    if not text.strip():
        await send_reply(context, chat, notice(Q_NOTHING), reply_to=pasted.message_id)
        return
    # The agent's own words ("sur iPhone") add to the customer's question.
    question = f"{text}\n{extra}" if extra else text
    await answer(context, chat, question, source_id=pasted.message_id)


async def q_command(update: Update, context: BotContext) -> None:
    """/q in reply to a pasted message answers it; /q TEXT answers TEXT."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    pasted = _pasted(message, context)
    own = " ".join(context.args or ())
    if pasted is not None:
        await _answer_pasted(context, chat, pasted, extra=own)
    elif own:
        await answer(context, chat, own, source_id=message.message_id)
    else:
        await send_reply(context, chat, notice(Q_USAGE), reply_to=message.message_id)


async def auto_command(update: Update, context: BotContext) -> None:
    """/auto [on|off]: group admins let the bot answer sure questions by itself."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    storage = context.services.storage
    if chat.type == Chat.PRIVATE:
        await send_reply(context, chat, notice(AUTO_PRIVATE))
        return
    word = (context.args or [""])[0].lower()
    if word not in _ON_WORDS | _OFF_WORDS:
        state = AUTO_STATE.format(state=ON if (await storage.chat(chat.id)).auto else OFF)
        await send_reply(context, chat, notice(state), reply_to=message.message_id)
        return
    if not await sender_is_admin(context, update):
        await send_reply(context, chat, notice(AUTO_ADMINS_ONLY), reply_to=message.message_id)
        return
    enable = word in _ON_WORDS
    await storage.set_auto(chat.id, enable)
    text = AUTO_ON if enable else AUTO_OFF
    if enable and not context.bot.can_read_all_group_messages:
        text = f"{text}\n\n{AUTO_PRIVACY}"
    await send_reply(context, chat, notice(text), reply_to=message.message_id)
