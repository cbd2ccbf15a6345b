"""Messages that seem to hold a password: never repeated; in groups, offer to delete them.

The engine flags such messages (Reply.secret_detected) and puts its "I never need your
password" notice first; this module adds the group-side measure: when the bot may delete
messages in the group, a button under the answer deletes the offending message. Only the
message's author or a group administrator may use it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Chat, ChatMember, ChatMemberAdministrator, Message, Update
from telegram.error import BadRequest, Forbidden

from bot.reply import Button, Reply, notice
from bot.texts import NEVER_SHARE_NOTICE
from handlers.common import BotContext, drop_buttons, is_chat_admin, is_group
from handlers.texts import DELETE_BUTTON, DELETE_DONE, DELETE_FAILED, DELETE_FORBIDDEN

log = logging.getLogger("aidemail.telegram")

DELETE_PREFIX = "del|"
DELETE_PATTERN = r"^del\|\d{1,12}$"


def warning_only() -> Reply:
    """The password notice alone (for group chatter the bot otherwise would not answer)."""
    return replace(notice(NEVER_SHARE_NOTICE), secret_detected=True)


async def delete_offer(context: BotContext, chat: Chat, message_id: int) -> list[Button]:
    """A "delete the message" button, in groups where the bot is allowed to delete."""
    if not is_group(chat):
        return []
    try:
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
    except (BadRequest, Forbidden):
        return []
    can_delete = member.status == ChatMember.OWNER or (
        isinstance(member, ChatMemberAdministrator) and member.can_delete_messages
    )
    return [Button(DELETE_BUTTON, f"{DELETE_PREFIX}{message_id}")] if can_delete else []


async def delete_pressed(update: Update, context: BotContext) -> None:
    """The delete button: check who pressed it, delete, then drop the button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    message = query.message
    if not isinstance(message, Message):  # too old: Telegram no longer shows it to bots
        await query.answer(DELETE_FAILED)
        return
    chat = message.chat
    target = int(query.data.removeprefix(DELETE_PREFIX))
    quoted = message.reply_to_message
    author = None
    if quoted is not None and quoted.message_id == target and quoted.from_user is not None:
        author = quoted.from_user.id
    if query.from_user.id != author and not await is_chat_admin(context, chat, query.from_user.id):
        await query.answer(DELETE_FORBIDDEN, show_alert=True)
        return
    try:
        await context.bot.delete_message(chat.id, target)
    except (BadRequest, Forbidden) as error:
        log.info("could not delete a message flagged as holding a password: %s", error)
        await query.answer(DELETE_FAILED, show_alert=True)
        return
    await query.answer(DELETE_DONE)
    await drop_buttons(query, lambda data: data == query.data)
