"""`python -m bot run --webhook`: Telegram posts updates with the secret header; others get 403."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
from fake_telegram import FakeTelegram
from tg_harness import bot_env, spawn_bot, stop_process

SECRET = "un-secret_partage-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode_answers_telegram_and_refuses_requests_without_the_secret(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    env = bot_env(
        fake,
        tmp_path / "db.sqlite3",
        TELEGRAM_WEBHOOK_URL=url,
        TELEGRAM_WEBHOOK_PORT=str(port),
        TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    process = spawn_bot(env, "--webhook")
    try:
        [hook] = await fake.wait_for(lambda: fake.calls_to("setWebhook", ok=True), within=30)
        assert hook.params["url"] == url and hook.params["secret_token"] == SECRET
        user = fake.user()
        chat = fake.private_chat(user)
        fake.send(chat, user, "quel port smtp pour gmail ?")  # the fake posts it with the secret
        [answer] = await fake.wait_messages(chat, within=15)
        assert "smtp.gmail.com" in answer.text

        forged = fake.send(chat, user, "erreur certificat dans outlook")
        fake.webhook = {}  # stop the fake's own deliveries: we post by hand now
        body = json.dumps({"update_id": 999_999, "message": forged.to_api()})
        async with aiohttp.ClientSession() as session:
            for headers in (
                {"Content-Type": "application/json"},
                {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "faux"},
            ):
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 403
        await fake.settle(0.5)
        assert len(fake.bot_messages(chat)) == 1
        assert not fake.calls_to("getUpdates")
    finally:
        status, stderr = await stop_process(process)
    assert status == 0, stderr
