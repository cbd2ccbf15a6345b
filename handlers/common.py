"""What every handler shares: the services in the context, and sending a Reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackContext, ExtBot

from bot.buttons import MAX_DATA_BYTES, AnswerChoice, DiagnoseChoice, decode
from bot.render import render_html, split_html
from bot.reply import Button, Reply
from handlers.texts import STALE_BUTTON

if TYPE_CHECKING:
    from bot.config import TelegramSettings
    from bot.engine import Engine
    from bot.storage import Storage
    from handlers.diag import DiagService

log = logging.getLogger("aidemail.telegram")

ChoiceT = TypeVar("ChoiceT", AnswerChoice, DiagnoseChoice)
SERVICES = "services"
_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
_BUTTONS_PER_ROW = 2


class ChatLocks:
    """One lock per chat, alive while in use: updates run concurrently (concurrent_updates),
    but a chat's own messages are answered one after the other, each seeing the previous
    one's pending clarification."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock


@dataclass(slots=True)
class Services:
    """Everything the handlers call, built once by bot.telegram_app."""

    engine: Engine
    storage: Storage
    settings: TelegramSettings
    diag: DiagService
    chat_lock: ChatLocks = field(default_factory=ChatLocks)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's callback context, with the bot's services one attribute away."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.bot_data[SERVICES]  # type: ignore[no-any-return]


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Inline keyboard for BUTTONS; data Telegram would refuse (1-64 bytes) is dropped."""
    valid = [
        InlineKeyboardButton(button.text[:64], callback_data=button.data)
        for button in buttons
        if button.text and 1 <= len(button.data.encode()) <= MAX_DATA_BYTES
    ]
    if len(valid) < len(buttons):
        log.warning("dropped %d button(s) with invalid data", len(buttons) - len(valid))
    if not valid:
        return None
    per_row = 1 if len(valid) <= 3 else _BUTTONS_PER_ROW
    return InlineKeyboardMarkup(
        [valid[start : start + per_row] for start in range(0, len(valid), per_row)]
    )


async def send_reply(
    context: BotContext,
    chat: Chat,
    reply: Reply,
    *,
    reply_to: int | None = None,
    extra_buttons: Sequence[Button] = (),
) -> list[Message]:
    """Render REPLY, split it under Telegram's limit and send it; buttons go on the last part.

    REPLY_TO: the message the answer is about; in groups the answer is threaded to it.
    """
    thread_to = thread_target(chat, reply_to) if reply_to is not None else None
    reference = ReplyParameters(thread_to, allow_sending_without_reply=True) if thread_to else None
    parts = split_html(render_html(reply)) or ["…"]
    markup = keyboard([*reply.buttons, *extra_buttons])
    return await send_parts(context.bot, chat.id, parts, markup, reference)


async def send_parts(
    bot: Bot,
    chat_id: int,
    parts: Sequence[str],
    markup: InlineKeyboardMarkup | None,
    reference: ReplyParameters | None = None,
) -> list[Message]:
    """Send rendered PARTS in order; the keyboard goes on the last one."""
    return [
        await bot.send_message(
            chat_id,
            part,
            reply_parameters=reference,
            reply_markup=markup if index == len(parts) - 1 else None,
        )
        for index, part in enumerate(parts)
    ]


async def is_chat_admin(context: BotContext, chat: Chat, user_id: int) -> bool:
    """Whether USER_ID administers CHAT (getChatMember; errors count as no)."""
    try:
        member = await context.bot.get_chat_member(chat.id, user_id)
    except (BadRequest, Forbidden):
        return False
    return member.status in _ADMIN_STATUSES


async def sender_is_admin(context: BotContext, update: Update) -> bool:
    """The sender administers the group; an anonymous admin posts as the group itself."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return False
    if message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    user = update.effective_user
    return user is not None and await is_chat_admin(context, chat, user.id)


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in {Chat.GROUP, Chat.SUPERGROUP}


def thread_target(chat: Chat, message_id: int) -> int | None:
    """Group replies are threaded to the message they answer; private ones are not."""
    return message_id if is_group(chat) else None


def text_of(message: Message | None) -> str:
    """A message's text, or its caption (a photo with a question under it)."""
    if message is None:
        return ""
    return message.text or message.caption or ""


async def drop_buttons(query: CallbackQuery, drop: Callable[[str], bool]) -> None:
    """Remove the pressed message's buttons whose data DROP selects (keep the others)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [button for button in row if not drop(button.callback_data or "")]
        for row in message.reply_markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    with contextlib.suppress(BadRequest):  # a concurrent press already edited it
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


@dataclass(frozen=True, slots=True)
class Pressed(Generic[ChoiceT]):
    query: CallbackQuery
    message: MaybeInaccessibleMessage  # the message the button is under
    choice: ChoiceT


async def acknowledge(update: Update, kind: type[ChoiceT]) -> Pressed[ChoiceT] | None:
    """Answer a button press (Telegram stops the button's spinner) and return the choice it
    carries, or None, saying the button is stale, when it is not a KIND this bot made."""
    query = update.callback_query
    assert query is not None
    choice = decode(query.data or "")
    if not isinstance(choice, kind) or query.message is None:
        await query.answer(STALE_BUTTON)
        return None
    await query.answer()
    return Pressed(query, query.message, choice)
