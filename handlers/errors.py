"""The error handler: log (no message text), tell a private user, keep the bot alive."""

from __future__ import annotations

import contextlib
import logging

from telegram import Chat, Update
from telegram.error import TelegramError

from bot.reply import notice
from handlers.common import BotContext, send_reply
from handlers.texts import ERROR

log = logging.getLogger("aidemail.telegram")


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is not None and chat.type == Chat.PRIVATE:
        with contextlib.suppress(TelegramError):
            await send_reply(context, chat, notice(ERROR))
