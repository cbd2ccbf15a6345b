"""The Telegram front-end's wiring: the Application, its handlers, and `python -m bot run`.

Handlers (package `handlers`) stay thin; which update goes where is decided here only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
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

from bot.config import ConfigError, TelegramSettings
from bot.engine import Engine
from bot.storage import Storage
from handlers import callbacks, commands, diag, errors, groups, messages, secrets
from handlers.common import SERVICES, BotContext, Services
from handlers.texts import COMMANDS_GROUP, COMMANDS_PRIVATE

log = logging.getLogger("aidemail.telegram")

App = Application[Any, BotContext, Any, Any, Any, Any]
UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
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


def build_application(
    settings: TelegramSettings,
    engine: Engine,
    *,
    storage: Storage | None = None,
    diag_service: diag.DiagService | None = None,
) -> App:
    """The configured Application; storage is opened in post_init, closed at shutdown."""
    _quiet_libraries()
    storage = storage or Storage(settings.db_path)
    services = Services(
        engine=engine,
        storage=storage,
        settings=settings,
        diag=diag_service or diag.DiagService.from_probes(engine.kb),
    )
    application: App = (
        ApplicationBuilder()
        .token(settings.token)
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
        .concurrent_updates(int(__import__("os").environ.get("X_CONC", "256")))
        .connection_pool_size(int(__import__("os").environ.get("X_POOL", "256")))
        .pool_timeout(10.0)
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[SERVICES] = services
    register_handlers(application)
    return application


def register_handlers(application: App) -> None:
    def command(names: str | list[str], callback: Any, chats: filters.BaseFilter = _NEW) -> None:
        application.add_handler(CommandHandler(names, callback, filters=chats))

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
    add(CallbackQueryHandler(secrets.delete_pressed, pattern=secrets.DELETE_PATTERN))
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


class _StartupErrors(logging.Filter):
    """Until the bot is up, main() reports Bot API failures in one line: PTB's retry loop
    would log them again with a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], TelegramError))


_STARTUP_ERRORS = _StartupErrors()


def _quiet_libraries() -> None:
    if __import__("os").environ.get("X_SNIFF"):
        try:
            import sniffio  # noqa: F401
        except ImportError:
            sys.modules.setdefault("sniffio", None)
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
