"""Start-up and shutdown: configuration errors, the French command menu, the real process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fake_telegram import TOKEN, FakeTelegram
from tg_harness import RunningBot, bot_env, spawn_bot, stop_process

from bot.config import DEFAULT_BASE_URL, DEFAULT_DB_PATH, ConfigError, TelegramSettings

SURE = "quel port smtp pour gmail ?"


async def test_the_command_menu_is_registered_in_french(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    order = [call.method for call in fake.calls]
    assert order.index("getMe") < order.index("setMyCommands") < order.index("getUpdates")
    for scope in ("default", "all_private_chats", "all_group_chats"):
        commands = {entry["command"]: entry["description"] for entry in fake.commands[(scope, "")]}
        assert {"aide", "config", "ports", "diag"} <= set(commands)
        assert "fournisseur" in commands["config"]
    assert {"q", "auto"} <= {entry["command"] for entry in fake.commands[("all_group_chats", "")]}


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.base_url == DEFAULT_BASE_URL and settings.db_path == DEFAULT_DB_PATH
    assert settings.webhook is None and not settings.store_unanswered_text
    assert TOKEN not in repr(settings)
    hooked = TelegramSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_WEBHOOK_URL": "https://bot.exemple.fr/telegram/hook",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret-token_1",
            "PORT": "5000",
            "AIDEMAIL_ADMIN_IDS": "12, 34",
            "AIDEMAIL_DB_PATH": str(tmp_path / "x.sqlite3"),
            "AIDEMAIL_STORE_UNANSWERED_TEXT": "oui",
        },
        webhook=True,
    )
    assert hooked.base_url == "http://127.0.0.1:8081/bot" and hooked.admin_ids == {12, 34}
    assert hooked.webhook is not None and hooked.webhook.port == 5000
    assert hooked.webhook.url_path == "telegram/hook" and hooked.store_unanswered_text


@pytest.mark.parametrize(
    ("env", "webhook", "names"),
    [
        ({}, False, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "pas-un-jeton"}, False, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "ftp://x"}, False, "TELEGRAM_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "AIDEMAIL_ADMIN_IDS": "bob"}, False, "AIDEMAIL_ADMIN_IDS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, True, "TELEGRAM_WEBHOOK_URL"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.exemple.fr/h"},
            True,
            "TELEGRAM_WEBHOOK_SECRET",
        ),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], webhook: bool, names: str) -> None:
    with pytest.raises(ConfigError, match=names) as raised:
        TelegramSettings.from_env(env, webhook=webhook)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, (), "TELEGRAM_BOT_TOKEN manquant"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc"}, (), "TELEGRAM_BOT_TOKEN mal formé"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, ("--webhook",), "TELEGRAM_WEBHOOK_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "PROBE_DEADLINE": "vite"}, (), "PROBE_DEADLINE"),
    ],
)
async def test_the_process_reports_bad_settings_in_one_line(
    env: dict[str, str], args: tuple[str, ...], expected: str
) -> None:
    status, stderr = await stop_process(spawn_bot(env, *args), signal_it=False)
    assert status == 2 and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1 and expected in stderr


async def test_a_token_telegram_refuses_is_one_line(fake: FakeTelegram, tmp_path: Path) -> None:
    env = bot_env(fake, tmp_path / "db.sqlite3")
    env["TELEGRAM_BOT_TOKEN"] = "987654321:" + "Z" * 35  # well formed, unknown to the server
    status, stderr = await stop_process(spawn_bot(env), signal_it=False)
    assert status == 2 and "Traceback" not in stderr
    assert stderr.strip().splitlines() == [
        "TELEGRAM_BOT_TOKEN refusé par Telegram : vérifiez le jeton."
    ]


async def test_an_unreachable_bot_api_is_one_line(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",  # the discard port: nothing listens
        "AIDEMAIL_DB_PATH": str(tmp_path / "db.sqlite3"),
    }
    status, stderr = await stop_process(spawn_bot(env), signal_it=False)
    assert status == 1 and "Traceback" not in stderr
    [line] = stderr.strip().splitlines()
    assert line.startswith("Telegram injoignable (http://127.0.0.1:9/bot)") and TOKEN not in line


async def test_the_process_answers_stops_gracefully_and_keeps_auto_across_restarts(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = bot_env(fake, tmp_path / "db.sqlite3")
    admin, agent = fake.user("Alice"), fake.user("Bruno")
    group = fake.group(admins=(admin,), privacy=False)
    process = spawn_bot(env)
    try:
        await fake.wait_for(lambda: fake.calls_to("getUpdates"), within=30)
        fake.send(group, admin, "/auto on")
        await fake.wait_messages(group)
    finally:
        status, stderr = await stop_process(process)
    assert status == 0, stderr
    assert "Traceback" not in stderr
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT auto FROM chats WHERE chat_id = ?", (group.id,)).fetchone()[0]
    polls = len(fake.calls_to("getUpdates"))
    process = spawn_bot(env)
    try:
        await fake.wait_for(lambda: len(fake.calls_to("getUpdates")) > polls, within=30)
        fake.send(group, agent, SURE)
        [_, answer] = await fake.wait_messages(group, 2, within=10)
        assert "smtp.gmail.com" in answer.text
    finally:
        status, stderr = await stop_process(process)
    assert status == 0, stderr
