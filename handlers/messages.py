"""Text messages: one question in, one answer out (private chats; groups call `answer`)."""

from __future__ import annotations

from telegram import Chat, Update

from bot.conversation import Conversation
from bot.reply import Reply, ReplyKind, notice
from bot.texts import NOT_TEXT
from handlers import passwords
from handlers.common import BotContext, send_reply, text_of
from handlers.texts import UNKNOWN_COMMAND


async def answer(
    context: BotContext,
    chat: Chat,
    text: str,
    *,
    source_id: int,
    auto: bool = False,
) -> Reply | None:
    """Answer TEXT in CHAT (SOURCE_ID: the message it came from, which a group answer is
    threaded to); the Reply sent, if any.

    AUTO: unprompted group chatter; only sure answers (and password warnings) are sent, and
    the chat's pending clarification is neither used nor changed.
    """
    services = context.services
    async with services.chat_lock(chat.id):
        conversation = Conversation() if auto else await services.storage.conversation(chat.id)
        reply = services.engine.answer(text, conversation)
        if auto and not _sure(context, reply):
            if not reply.secret_detected:
                return None
            reply = passwords.warning_only()
        if not auto:
            await services.storage.save_conversation(chat.id, conversation)
            if reply.kind is ReplyKind.DECLINE:
                keep = services.settings.store_unanswered_text and not reply.secret_detected
                await services.storage.count_unanswered(reply.topic, text if keep else None)
        offer = (
            await passwords.delete_offer(context, chat, source_id) if reply.secret_detected else []
        )
        await send_reply(context, chat, reply, reply_to=source_id, extra_buttons=offer)
    return reply


def _sure(context: BotContext, reply: Reply) -> bool:
    return (
        reply.kind is ReplyKind.ANSWER
        and reply.confidence >= context.services.engine.AUTO_CONFIDENCE
    )


async def private_text(update: Update, context: BotContext) -> None:
    """Every text (or captioned photo) in a private chat gets an answer."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    await answer(context, chat, text_of(message), source_id=message.message_id)


async def private_not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes…: ask for text (in groups nothing is said)."""
    chat = update.effective_chat
    assert chat is not None
    await send_reply(context, chat, notice(NOT_TEXT))


async def private_unknown_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send_reply(context, chat, notice(UNKNOWN_COMMAND))
