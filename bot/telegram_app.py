"""The Telegram front-end's wiring: the Application, its handlers, and `python -m bot run`.

Handlers (package `handlers`) stay thin; which update goes where is decided here only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

try:  # much cheaper than httpx per request; PTB's own httpx request is the fallback
    import aiohttp
except ImportError:  # pragma: no cover - aiohttp is a dependency
    aiohttp = None  # type: ignore[assignment]

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.config import ConfigError, TelegramSettings
from bot.engine import Engine
from bot.storage import Storage
from handlers import callbacks, commands, diag, errors, groups, messages, passwords
from handlers.common import SERVICES, BotContext, Services
from handlers.texts import COMMANDS_GROUP, COMMANDS_PRIVATE

log = logging.getLogger("aidemail.telegram")

App = Application[Any, BotContext, Any, Any, Any, Any]
UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
_REQUESTS = "requests"
RATE_LIMIT_RETRIES = 2  # a 429 from Telegram is retried after its retry_after, twice at most

# New messages only: edits of old messages are not questions.
_NEW = filters.UpdateType.MESSAGE
_PRIVATE = filters.ChatType.PRIVATE & _NEW
_GROUPS = filters.ChatType.GROUPS & _NEW
_TEXT = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
_NOT_TEXT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.AUDIO
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
) & ~filters.CAPTION


class AiohttpRequest(BaseRequest):
    """PTB's request interface over aiohttp: a sixth of httpx's CPU per Bot API call.

    Like HTTPXRequest it honours HTTP(S)_PROXY/NO_PROXY. aiohttp has no write timeout: a
    request's whole exchange is bounded by the connect and read timeouts instead.
    """

    def __init__(
        self,
        pool_size: int = 32,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        pool_timeout: float = 1.0,
    ) -> None:
        self._pool_size = pool_size
        self._timeouts = (connect_timeout, read_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts[1]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=True,
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        default = type(BaseRequest.DEFAULT_NONE)
        connect, read, pool = (
            fallback if isinstance(value, default) else value
            for value, fallback in zip(
                (connect_timeout, read_timeout, pool_timeout), self._timeouts, strict=True
            )
        )
        timeout = aiohttp.ClientTimeout(
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _body(request_data: RequestData | None) -> dict[str, str] | aiohttp.FormData | None:
    """Form fields, url-encoded; multipart only when files are sent (as PTB does)."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, *rest = part
        form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
    return form


def _requests() -> tuple[BaseRequest, BaseRequest]:
    """(for Bot API calls, for getUpdates): aiohttp's when installed, else PTB's httpx one."""
    if aiohttp is None:
        return HTTPXRequest(connection_pool_size=32), HTTPXRequest(connection_pool_size=1)
    return AiohttpRequest(32), AiohttpRequest(1)


def build_application(
    settings: TelegramSettings,
    engine: Engine,
    *,
    diag_service: diag.DiagService,
) -> App:
    """The configured Application; storage is opened in post_init, closed at shutdown."""
    _quiet_libraries()
    services = Services(
        engine=engine,
        storage=Storage(settings.db_path),
        settings=settings,
        diag=diag_service,
    )
    request, updates_request = _requests()
    application: App = (
        ApplicationBuilder()
        .token(settings.token)
        .request(request)
        .get_updates_request(updates_request)
        .base_url(settings.base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            AIORateLimiter(overall_max_rate=settings.max_rate, max_retries=RATE_LIMIT_RETRIES)
        )
        .concurrent_updates(True)
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[SERVICES] = services
    application.bot_data[_REQUESTS] = (request, updates_request)
    register_handlers(application)
    return application


def register_handlers(application: App) -> None:
    def command(names: str | list[str], callback: Any) -> None:
        application.add_handler(CommandHandler(names, callback, filters=_NEW))

    command(["start", "aide", "help"], commands.help_command)
    command("config", commands.config_command)
    command("ports", commands.ports_command)
    command("diag", diag.diag_command)
    command("stats", commands.stats_command)
    command("q", groups.q_command)
    command("auto", groups.auto_command)
    add = application.add_handler
    add(MessageHandler(_PRIVATE & filters.COMMAND, messages.private_unknown_command))
    add(MessageHandler(_PRIVATE & _TEXT, messages.private_text))
    add(MessageHandler(_PRIVATE & _NOT_TEXT, messages.private_not_text))
    add(MessageHandler(_GROUPS & _TEXT, groups.group_text))
    add(CallbackQueryHandler(callbacks.answer_choice, pattern=callbacks.ANSWER_PATTERN))
    add(CallbackQueryHandler(diag.diag_button, pattern=diag.DIAG_PATTERN))
    add(CallbackQueryHandler(passwords.delete_pressed, pattern=passwords.DELETE_PATTERN))
    add(CallbackQueryHandler(callbacks.stale_button))
    application.add_error_handler(errors.on_error)


def _commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in pairs]


async def _post_init(application: App) -> None:
    services: Services = application.bot_data[SERVICES]
    await services.storage.open()
    bot = application.bot
    await bot.set_my_commands(_commands(COMMANDS_PRIVATE))
    await bot.set_my_commands(_commands(COMMANDS_PRIVATE), scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(_commands(COMMANDS_GROUP), scope=BotCommandScopeAllGroupChats())
    logging.getLogger("telegram.ext").removeFilter(_STARTUP_ERRORS)
    log.info("bot @%s ready", bot.username)


async def _post_shutdown(application: App) -> None:
    await application.bot_data[SERVICES].storage.close()
    # PTB shuts its requests down only if the bot got initialized (getMe succeeded).
    for request in application.bot_data[_REQUESTS]:
        await request.shutdown()


class _StartupErrors(logging.Filter):
    """Until the bot is up, main() reports Bot API failures in one line: PTB's retry loop
    would log them again with a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], TelegramError))


_STARTUP_ERRORS = _StartupErrors()


def _quiet_libraries() -> None:
    # httpx logs every request URL at INFO, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def main(webhook: bool = False) -> int:
    """`python -m bot run [--webhook]`: serve until SIGINT/SIGTERM; the exit status."""
    try:
        settings = TelegramSettings.from_env(webhook=webhook)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    engine = Engine.load()
    try:
        diag_service = diag.DiagService.from_probes(engine.kb)
    except ValueError as error:  # a malformed PROBE_* or DNS_NAMESERVERS setting
        print(f"Réglage des diagnostics invalide : {error}", file=sys.stderr)
        return 2
    application = build_application(settings, engine, diag_service=diag_service)
    logging.getLogger("telegram.ext").addFilter(_STARTUP_ERRORS)
    try:
        if settings.webhook is None:
            application.run_polling(allowed_updates=UPDATES)
        else:
            hook = settings.webhook
            application.run_webhook(
                listen=hook.listen,
                port=hook.port,
                url_path=hook.url_path,
                webhook_url=hook.url,
                secret_token=hook.secret,
                allowed_updates=UPDATES,
            )
    except InvalidToken:
        print("TELEGRAM_BOT_TOKEN refusé par Telegram : vérifiez le jeton.", file=sys.stderr)
        return 2
    except NetworkError as error:
        print(f"Telegram injoignable ({settings.base_url}) : {error}", file=sys.stderr)
        return 1
    return 0
