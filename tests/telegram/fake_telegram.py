"""A strict fake of the Telegram Bot API, on 127.0.0.1, for end-to-end tests and the benchmark.

The bot under test talks to it exactly as to api.telegram.org: POST {base_url}{token}/{method}
with a form-urlencoded (or multipart, or JSON) body. The fake is as strict as Telegram where
mistakes are easy: HTML entities, text length, callback_data size, edits to identical content,
replies to messages that do not exist, answering a callback query twice, deleting without the
right. It also emulates group privacy mode and delivers updates through getUpdates (long poll
held up to `timeout`, 409 when a second poller arrives) or through a webhook (with the secret
header), like Telegram.

Tests act as users: `fake.send(chat, user, "texte")`, `fake.press(message, data, user)`,
then `await fake.wait_messages(chat, count)` for what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijkl"
BOT_ID = 123456789
BOT_USERNAME = "AideMailBot"
ANONYMOUS_ADMIN_ID = 1087968824  # Telegram's GroupAnonymousBot
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_POLL_TIMEOUT = 50.0  # Telegram caps long polls; a bound for every wait in the fake

_ALLOWED_TAGS = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "tg-spoiler": set(),
    "span": {"class"},
    "a": {"href"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTRIBUTE = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_COMMAND = re.compile(r"/([a-zA-Z0-9_]{1,32})(?:@([a-zA-Z0-9_]{3,32}))?(?=\s|$)")
_MENTION = re.compile(r"(?<![\w@])@([a-zA-Z0-9_]{5,32})\b")
_PLAIN = re.compile(r"[^<>&]+")


class ApiError(Exception):
    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML: (plain text, entities) or ApiError 400 "can't parse entities"."""
    out: list[str] = []
    length = 0  # UTF-16 units written so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    position = 0

    def fail(reason: str) -> ApiError:
        offset = len(source[:position].encode())
        return ApiError(400, f"Bad Request: can't parse entities: {reason} at byte offset {offset}")

    while position < len(source):
        char = source[position]
        if char == "<":
            match = _TAG.match(source, position)
            if match is None:
                raise fail("unclosed start tag")
            closing, name, raw_attributes = match.group(1), match.group(2).lower(), match.group(3)
            if name not in _ALLOWED_TAGS:
                raise fail(f'unsupported start tag "{name}"')
            if closing:
                if raw_attributes.strip():
                    raise fail(f'end tag "{name}" has attributes')
                if not stack or stack[-1][0] != name:
                    expected = stack[-1][0] if stack else "nothing"
                    raise fail(f'can\'t find end tag corresponding to start tag "{expected}"')
                _, start, attributes = stack.pop()
                if length > start:
                    entity = {
                        "type": _ENTITY_TYPES[name],
                        "offset": start,
                        "length": length - start,
                    }
                    if name == "a":
                        entity["url"] = attributes.get("href", "")
                    entities.append(entity)
            else:
                attributes: dict[str, str] = {}
                for attribute in _ATTRIBUTE.finditer(raw_attributes):
                    key, value = attribute.group(1).lower(), attribute.group(2) or ""
                    if key not in _ALLOWED_TAGS[name]:
                        raise fail(f'unsupported attribute "{key}" in tag "{name}"')
                    attributes[key] = unescape(value.strip("\"'"))
                if name == "span" and attributes.get("class") != "tg-spoiler":
                    raise fail('tag "span" must have class "tg-spoiler"')
                if name == "a" and not re.match(
                    r"(https?://|tg://|mailto:)", attributes.get("href", "")
                ):
                    raise fail("wrong HTTP URL")
                stack.append((name, length, attributes))
            position = match.end()
            continue
        if char == ">":
            raise fail("character '>' is reserved and must be escaped")
        if char == "&":
            match = _ENTITY.match(source, position)
            if match is None:
                raise fail("unsupported HTML entity or unescaped '&'")
            named, decimal, hexadecimal = match.groups()
            if named:
                decoded = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[named]
            else:
                code = int(decimal) if decimal else int(hexadecimal, 16)
                if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise fail("invalid character reference")
                decoded = chr(code)
            out.append(decoded)
            length += utf16_len(decoded)
            position = match.end()
            continue
        run = _PLAIN.match(source, position)
        assert run is not None
        out.append(run.group())
        length += utf16_len(run.group())
        position = run.end()
    if stack:
        position = len(source)
        raise fail(f'can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _auto_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients attach to a typed message: commands and mentions."""
    entities: list[dict[str, Any]] = []
    command = _COMMAND.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for mention in _MENTION.finditer(text):
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention.group()),
            }
        )
    return entities


def _validate_markup(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        markup = json.loads(raw)
    except ValueError as error:
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object") from error
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: object expected as reply markup")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards, ForceReply...: not used by this bot, accepted as is
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400,
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an '
            "Array of Arrays",
        )
    if sum(len(row) for row in rows) > 100:
        raise ApiError(400, "Bad Request: too many inline keyboard buttons")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            actions = [key for key in button if key != "text"]
            if len(actions) != 1:
                raise ApiError(
                    400, "Bad Request: inline keyboard button must have exactly one action"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            elif "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                raise ApiError(
                    400, f"Bad Request: inline keyboard button URL '{button['url']}' is invalid"
                )
    return markup


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class Chat:
    id: int
    type: str  # "private", "group", "supergroup"
    title: str = ""
    first_name: str = ""
    privacy: bool = True  # the bot's group privacy mode (BotFather's /setprivacy)
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_can_delete: bool = False  # the bot is an administrator allowed to delete messages

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name
        else:
            data["title"] = self.title
        return data


@dataclass
class Message:
    chat: Chat
    message_id: int
    sender: User
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to: Message | None = None
    kind: str = "text"  # "text", "sticker", "photo", "voice"
    caption: str | None = None
    sender_chat: Chat | None = None
    # What the bot sent, as sent (for assertions).
    html: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    edits: int = 0
    deleted: bool = False

    @property
    def from_bot(self) -> bool:
        return self.sender.id == BOT_ID

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_api(),
            "from": self.sender.to_api(),
        }
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat.to_api()
        if self.kind == "text":
            data["text"] = self.text or ""
            if self.entities:
                data["entities"] = self.entities
        elif self.kind == "sticker":
            data["sticker"] = {
                "file_id": "sticker-file",
                "file_unique_id": "sticker-u",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        elif self.kind == "photo":
            data["photo"] = [
                {"file_id": "photo-file", "file_unique_id": "photo-u", "width": 90, "height": 90}
            ]
        elif self.kind == "voice":
            data["voice"] = {"file_id": "voice-file", "file_unique_id": "voice-u", "duration": 3}
        if self.caption is not None:
            data["caption"] = self.caption
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        return data


@dataclass
class Call:
    method: str
    params: dict[str, str]
    at: float
    status: int = 200
    error: str = ""


class FakeTelegram:
    """The fake Bot API server. Use `async with FakeTelegram() as fake:`."""

    def __init__(self, token: str = TOKEN, *, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot = User(BOT_ID, "AideMail", username, is_bot=True)
        self.calls: list[Call] = []
        self.succeeded: Counter[str] = Counter()  # successful calls per method
        self.in_flight = 0  # calls received, not answered yet
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], Message] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_answers: dict[str, dict[str, str]] = {}
        self.webhook: dict[str, str] = {}
        self.webhook_deliveries: list[int] = []  # HTTP statuses of webhook posts
        # Test hooks: fail the next N calls to a method with 429 (retry_after seconds).
        self.flood: dict[str, tuple[int, int]] = {}
        self.hold: dict[int, asyncio.Event] = {}  # sendMessage to a chat waits for its event
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._ids = itertools.count(1000)
        self._poll_generation = 0
        self._changed = asyncio.Condition()
        self._bot_sent = asyncio.Condition()
        self._pending_callbacks: set[str] = set()
        self._webhook_task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def __aenter__(self) -> FakeTelegram:
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, {}, time.monotonic())
        self.calls.append(call)
        await self._bot_acted()
        self.in_flight += 1
        try:
            return await self._answer(request, method, call)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request, method: str, call: Call) -> web.Response:
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            call.params = await self._params(request)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            flood = self.flood.get(method)
            if flood and flood[0] > 0:
                self.flood[method] = (flood[0] - 1, flood[1])
                raise ApiError(
                    429, f"Too Many Requests: retry after {flood[1]}", retry_after=flood[1]
                )
            held = self.hold.get(int(call.params.get("chat_id", 0) or 0))
            if held is not None and method == "sendMessage":
                await asyncio.wait_for(held.wait(), MAX_POLL_TIMEOUT)
            result = await handler(call.params)
        except ApiError as error:
            call.status, call.error = error.status, error.description
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.status)
        self.succeeded[method] += 1
        await self._bot_acted()
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, str]:
        if request.method == "GET" or not request.can_read_body:
            return dict(request.query)
        content_type = request.content_type
        if content_type == "application/x-www-form-urlencoded":
            body = await request.text()
            return dict(parse_qsl(body, keep_blank_values=True, strict_parsing=False))
        if content_type == "multipart/form-data":
            form = await request.post()
            return {key: str(value) for key, value in form.items()}
        if content_type == "application/json":
            data = await request.json()
            return {
                key: value if isinstance(value, str) else json.dumps(value)
                for key, value in data.items()
            }
        raise ApiError(400, f"Bad Request: unsupported content type {content_type}")

    # -- the world: users, chats, what they write ---------------------------------------------
    def user(self, first_name: str = "Camille", username: str | None = None) -> User:
        return User(next(self._ids), first_name, username)

    def private_chat(self, user: User) -> Chat:
        chat = Chat(user.id, "private", first_name=user.first_name)
        self.chats[chat.id] = chat
        return chat

    def group(
        self,
        title: str = "Support",
        *,
        privacy: bool = True,
        admins: tuple[User, ...] = (),
        bot_admin: bool = False,
        supergroup: bool = True,
    ) -> Chat:
        chat_id = -1_000_000_000_000 - next(self._ids) if supergroup else -next(self._ids)
        chat = Chat(chat_id, "supergroup" if supergroup else "group", title=title, privacy=privacy)
        chat.members = {admin.id: "administrator" for admin in admins}
        chat.members[BOT_ID] = "administrator" if bot_admin else "member"
        chat.bot_can_delete = bot_admin
        self.chats[chat.id] = chat
        return chat

    def _store(self, chat: Chat, sender: User, **fields: Any) -> Message:
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = Message(chat, next(counter), sender, int(time.time()), **fields)
        self.messages[(chat.id, message.message_id)] = message
        return message

    def send(
        self,
        chat: Chat,
        user: User,
        text: str | None = None,
        *,
        reply_to: Message | None = None,
        kind: str = "text",
        caption: str | None = None,
        anonymous_admin: bool = False,
        edited_from: Message | None = None,
    ) -> Message:
        """USER writes TEXT in CHAT; the update reaches the bot unless privacy mode hides it."""
        sender = (
            User(ANONYMOUS_ADMIN_ID, "Group", "GroupAnonymousBot", True)
            if anonymous_admin
            else user
        )
        fields: dict[str, Any] = {"kind": kind, "caption": caption, "reply_to": reply_to}
        if kind == "text":
            fields.update(text=text or "", entities=_auto_entities(text or ""))
        if anonymous_admin:
            fields["sender_chat"] = chat
        message = self._store(chat, sender, **fields)
        if self.delivered(message):
            key = "edited_message" if edited_from is not None else "message"
            self._push({key: message.to_api()})
        return message

    def delivered(self, message: Message) -> bool:
        """Telegram's group privacy mode: what a bot with privacy on receives."""
        chat = message.chat
        if chat.type == "private" or not chat.privacy:
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        text = message.text or message.caption or ""
        command = _COMMAND.match(text)
        if command and (
            command.group(2) is None or command.group(2).lower() == self.bot.username.lower()
        ):  # type: ignore[union-attr]
            return True
        return any(
            mention.group(1).lower() == (self.bot.username or "").lower()
            for mention in _MENTION.finditer(text)
        )

    def press(self, message: Message, data: str, user: User) -> str:
        """USER presses the inline button carrying DATA under the bot's MESSAGE."""
        assert data in {button.get("callback_data") for button in message.buttons}, (
            f"no button {data!r} under message {message.message_id}"
        )
        query_id = str(next(self._ids))
        self._pending_callbacks.add(query_id)
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_api(),
                    "chat_instance": str(message.chat.id),
                    "data": data,
                    "message": message.to_api(),
                }
            }
        )
        return query_id

    def push_raw(self, update: dict[str, Any]) -> None:
        self._push(update)

    def _push(self, update: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), **update})
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- assertions helpers -------------------------------------------------------------------
    def bot_messages(self, chat: Chat) -> list[Message]:
        return sorted(
            (m for (chat_id, _), m in self.messages.items() if chat_id == chat.id and m.from_bot),
            key=lambda message: message.message_id,
        )

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method and (ok is None or (call.status == 200) == ok)
        ]

    def errors(self) -> list[Call]:
        return [call for call in self.calls if call.status != 200]

    async def wait_for(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        """Wait until PREDICATE() is truthy (checked on every bot call); its value."""
        deadline = asyncio.get_running_loop().time() + min(within, MAX_POLL_TIMEOUT)
        async with self._bot_sent:
            while not (value := predicate()):
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {within} s; errors: {self.errors()}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._bot_sent.wait(), remaining)
        return value

    async def wait_messages(self, chat: Chat, count: int = 1, within: float = 5.0) -> list[Message]:
        """The bot's messages in CHAT, once there are at least COUNT of them."""

        def enough() -> list[Message] | None:
            found = self.bot_messages(chat)
            return found if len(found) >= count else None

        return await self.wait_for(enough, within)

    async def settle(self, seconds: float = 0.3) -> None:
        """Give the bot time to (wrongly) act; used before asserting that nothing happened."""
        await asyncio.sleep(seconds)

    async def _bot_acted(self) -> None:
        async with self._bot_sent:
            self._bot_sent.notify_all()

    # -- Bot API methods ----------------------------------------------------------------------
    async def _api_getMe(self, params: dict[str, str]) -> dict[str, Any]:
        return {
            **self.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_logOut(self, params: dict[str, str]) -> bool:
        return True

    async def _api_close(self, params: dict[str, str]) -> bool:
        return True

    async def _api_setMyCommands(self, params: dict[str, str]) -> bool:
        commands = json.loads(params.get("commands", "null"))
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 items")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description must be 1-256 characters")
        scope = json.loads(params.get("scope") or '{"type": "default"}').get("type", "default")
        self.commands[(scope, params.get("language_code", ""))] = commands
        await self._bot_acted()
        return True

    async def _api_getMyCommands(self, params: dict[str, str]) -> list[dict[str, str]]:
        scope = json.loads(params.get("scope") or '{"type": "default"}').get("type", "default")
        return self.commands.get((scope, params.get("language_code", "")), [])

    async def _api_deleteWebhook(self, params: dict[str, str]) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates") == "true":
            self._updates.clear()
        return True

    async def _api_setWebhook(self, params: dict[str, str]) -> bool:
        if not params.get("url", "").startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: invalid webhook URL specified")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = params
        if self._webhook_task is None:
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())
        return True

    async def _api_getWebhookInfo(self, params: dict[str, str]) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _api_getUpdates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset", 0) or 0)
        limit = min(max(int(params.get("limit", 100) or 100), 1), 100)
        timeout = min(float(params.get("timeout", 0) or 0), MAX_POLL_TIMEOUT)
        if offset:
            # Telegram forgets the updates a poller confirmed by asking past them.
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        await self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._changed:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                if self._updates or loop.time() >= deadline:
                    return self._updates[:limit]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), deadline - loop.time())

    async def _deliver_webhook(self) -> None:
        """Post pending updates to the webhook, one by one, like Telegram (bounded retries)."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                async with self._changed:
                    while not (self.webhook and self._updates):
                        await self._changed.wait()
                update = self._updates[0]
                headers = {"Content-Type": "application/json"}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                status = 0
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.post(
                        self.webhook["url"], data=json.dumps(update), headers=headers
                    ) as response:
                        status = response.status
                self.webhook_deliveries.append(status)
                if status == 200 or len(self.webhook_deliveries) > 1000:
                    self._updates.pop(0)
                else:
                    await asyncio.sleep(0.2)

    def _chat(self, params: dict[str, str]) -> Chat:
        try:
            chat = self.chats.get(int(params.get("chat_id", "")))
        except ValueError:
            chat = None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _message(self, chat: Chat, params: dict[str, str], missing: str) -> Message:
        message = self.messages.get((chat.id, int(params.get("message_id", 0) or 0)))
        if message is None or message.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        return message

    @staticmethod
    def _text(params: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get("text", "")
        mode = params.get("parse_mode", "")
        if mode.upper() == "HTML":
            text, entities = parse_html(raw)
        elif mode:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {mode!r} in this fake")
        else:
            text, entities = raw, []
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities

    async def _api_sendMessage(self, params: dict[str, str]) -> dict[str, Any]:
        chat = self._chat(params)
        text, entities = self._text(params)
        markup = _validate_markup(params.get("reply_markup"))
        reply_to = None
        if "reply_parameters" in params:
            reference = json.loads(params["reply_parameters"])
            reply_to = self.messages.get((chat.id, int(reference.get("message_id", 0))))
            if reply_to is None and not reference.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        message = self._store(
            chat,
            self.bot,
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
            html=params.get("text"),
            params=params,
        )
        await self._bot_acted()
        return message.to_api()

    async def _api_editMessageText(self, params: dict[str, str]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self._message(chat, params, "message to edit not found")
        if not message.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        text, entities = self._text(params)
        markup = _validate_markup(params.get("reply_markup"))
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.html, message.params = params.get("text"), params
        message.edits += 1
        await self._bot_acted()
        return message.to_api()

    async def _api_editMessageReplyMarkup(self, params: dict[str, str]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self._message(chat, params, "message to edit not found")
        markup = _validate_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.reply_markup = markup
        message.edits += 1
        await self._bot_acted()
        return message.to_api()

    async def _api_deleteMessage(self, params: dict[str, str]) -> bool:
        chat = self._chat(params)
        message = self._message(chat, params, "message to delete not found")
        if chat.type != "private" and not message.from_bot and not chat.bot_can_delete:
            raise ApiError(400, "Bad Request: message can't be deleted")
        message.deleted = True
        await self._bot_acted()
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, str]) -> bool:
        query_id = params.get("callback_query_id", "")
        if query_id not in self._pending_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if len(params.get("text", "")) > 200:
            raise ApiError(400, "Bad Request: answer text is too long")
        self._pending_callbacks.discard(query_id)
        self.callback_answers[query_id] = params
        await self._bot_acted()
        return True

    async def _api_getChatMember(self, params: dict[str, str]) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = int(params.get("user_id", 0) or 0)
        status = chat.members.get(user_id, "member")
        user = (
            self.bot.to_api()
            if user_id == BOT_ID
            else {
                "id": user_id,
                "is_bot": False,
                "first_name": "Membre",
            }
        )
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = {
                key: True
                for key in (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                )
            }
            rights["can_delete_messages"] = user_id != BOT_ID or chat.bot_can_delete
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_promote_members": False,
                **rights,
            }
        return {"status": status, "user": user}

    async def _api_sendChatAction(self, params: dict[str, str]) -> bool:
        self._chat(params)
        return True
