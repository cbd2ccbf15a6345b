"""Telegram settings, read once from the environment.

TELEGRAM_BOT_TOKEN       the token from @BotFather (required)
TELEGRAM_BASE_URL        Bot API root, default https://api.telegram.org/bot (a self-hosted
                         Bot API server, or the tests' fake)
TELEGRAM_MAX_RATE        messages per second across chats, default 30 (Telegram's limit); 0: none
TELEGRAM_WEBHOOK_URL     --webhook: the public address Telegram posts to
TELEGRAM_WEBHOOK_SECRET  --webhook: expected in X-Telegram-Bot-Api-Secret-Token (required)
TELEGRAM_WEBHOOK_PORT    --webhook: port to listen on, default $PORT or 8443
TELEGRAM_WEBHOOK_LISTEN  --webhook: address to listen on, default 0.0.0.0
AIDEMAIL_DB_PATH         SQLite file for per-chat settings, default data/aidemail.sqlite3
AIDEMAIL_ADMIN_IDS       Telegram user ids allowed to use /stats (comma separated)
AIDEMAIL_STORE_UNANSWERED_TEXT  1: keep the text of unanswered questions for /stats (off)

A missing or malformed value raises ConfigError with one French line meant for the operator
(`python -m bot run` prints it and exits, without a traceback).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DB_PATH = Path("data/aidemail.sqlite3")
DEFAULT_WEBHOOK_PORT = 8443
DEFAULT_WEBHOOK_LISTEN = "0.0.0.0"  # noqa: S104 - a webhook server listens on every interface
# Telegram's own flood limit for messages to different chats (about 30 per second).
DEFAULT_MAX_RATE = 30.0

# "123456789:AAH…": the bot's numeric id, a colon, then 30+ characters of [A-Za-z0-9_-].
_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")
# setWebhook's secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"", "0", "false", "no", "off", "non"}


class ConfigError(ValueError):
    """A setting is missing or malformed; str(error) is one line for the operator."""


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    url: str  # public HTTPS address Telegram posts to, e.g. https://bot.example.fr/telegram
    secret: str  # expected in the X-Telegram-Bot-Api-Secret-Token header
    listen: str = DEFAULT_WEBHOOK_LISTEN
    port: int = DEFAULT_WEBHOOK_PORT

    @property
    def url_path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    db_path: Path = DEFAULT_DB_PATH
    admin_ids: frozenset[int] = frozenset()
    store_unanswered_text: bool = False
    max_rate: float = DEFAULT_MAX_RATE  # messages per second, all chats together; 0 = no cap
    webhook: WebhookSettings | None = None

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, webhook: bool = False
    ) -> TelegramSettings:
        env = os.environ if env is None else env
        return cls(
            token=_token(env.get("TELEGRAM_BOT_TOKEN", "")),
            base_url=_base_url(env.get("TELEGRAM_BASE_URL", "")),
            db_path=Path(env.get("AIDEMAIL_DB_PATH", "").strip() or DEFAULT_DB_PATH),
            admin_ids=_admin_ids(env.get("AIDEMAIL_ADMIN_IDS", "")),
            store_unanswered_text=_flag(env, "AIDEMAIL_STORE_UNANSWERED_TEXT"),
            max_rate=_number(env, "TELEGRAM_MAX_RATE", DEFAULT_MAX_RATE),
            webhook=_webhook(env) if webhook else None,
        )


def _token(value: str) -> str:
    value = value.strip()
    if not value:
        raise ConfigError("TELEGRAM_BOT_TOKEN manquant : indiquez le jeton donné par @BotFather.")
    if not _TOKEN.fullmatch(value):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN mal formé : attendu « 123456789:ABC… » (le jeton de @BotFather)."
        )
    return value


def _base_url(value: str) -> str:
    value = value.strip() or DEFAULT_BASE_URL
    if not _is_http_url(value):
        raise ConfigError(
            f"TELEGRAM_BASE_URL invalide : {value!r} (attendu par ex. {DEFAULT_BASE_URL})."
        )
    return value


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _admin_ids(value: str) -> frozenset[int]:
    ids: set[int] = set()
    for item in re.split(r"[\s,;]+", value.strip()):
        if not item:
            continue
        if not item.lstrip("-").isdigit():
            raise ConfigError(
                f"AIDEMAIL_ADMIN_IDS invalide : {item!r} n'est pas un identifiant numérique."
            )
        ids.add(int(item))
    return frozenset(ids)


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} invalide : {value!r} (attendu 0 ou 1).")


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < 1e6:
        raise ConfigError(f"{name} invalide : {value!r} (attendu un nombre positif).")
    return number


def _webhook(env: Mapping[str, str]) -> WebhookSettings:
    url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    if not _is_http_url(url):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_URL manquant ou invalide : indiquez l'adresse publique HTTPS "
            "du webhook (par ex. https://bot.example.fr/telegram)."
        )
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if not _SECRET.fullmatch(secret):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET manquant ou invalide : 1 à 256 caractères parmi "
            "A-Z, a-z, 0-9, _ et -."
        )
    port_text = (env.get("TELEGRAM_WEBHOOK_PORT") or env.get("PORT") or "").strip()
    port = DEFAULT_WEBHOOK_PORT
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"TELEGRAM_WEBHOOK_PORT invalide : {port_text!r}.")
        port = int(port_text)
    listen = env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or DEFAULT_WEBHOOK_LISTEN
    return WebhookSettings(url=url, secret=secret, listen=listen, port=port)
