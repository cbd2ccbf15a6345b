"""The fake Bot API is as strict as Telegram: otherwise the other tests would prove little."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from fake_telegram import TOKEN, FakeTelegram, parse_html


@pytest.fixture
async def api(fake: FakeTelegram) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession() as session:

        async def call(method: str, token: str = TOKEN, **params: Any) -> tuple[int, dict]:
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            url = fake.base_url + f"{token}/{method}"
            async with session.post(url, data=form) as response:
                return response.status, await response.json()

        yield call


async def _sent(fake: FakeTelegram, api: Any, text: str, **params: Any) -> tuple[int, dict]:
    user = fake.user()
    chat = fake.private_chat(user)
    return await api("sendMessage", chat_id=str(chat.id), text=text, parse_mode="HTML", **params)


@pytest.mark.parametrize(
    "html",
    ["a<br>b", "<b>gras", "<b>a</i>", "a & b", "a > b", "&nbsp;", "<p>x</p>", '<a href="x">y</a>'],
)
async def test_bad_html_gets_telegram_s_400(fake: FakeTelegram, api: Any, html: str) -> None:
    status, body = await _sent(fake, api, html)
    assert status == 400 and body["ok"] is False
    assert body["description"].startswith("Bad Request: can't parse entities:")


def test_good_html_parses_into_text_and_utf16_entities() -> None:
    text, entities = parse_html("🙂 <b>a &lt;b&gt; &amp;</b> <code>x</code> &#233;")
    assert text == "🙂 a <b> & x é"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 7},
        {"type": "code", "offset": 11, "length": 1},
    ]


async def test_texts_over_4096_characters_and_empty_ones_are_refused(
    fake: FakeTelegram, api: Any
) -> None:
    assert (await _sent(fake, api, "x" * 4096))[0] == 200
    assert (await _sent(fake, api, "<b>" + "x" * 4096 + "</b>"))[0] == 200  # after parsing
    status, body = await _sent(fake, api, "🙂" * 2049)  # 4098 UTF-16 units
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = await _sent(fake, api, "<b> </b>")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33])
async def test_bad_callback_data_is_refused(fake: FakeTelegram, api: Any, data: str) -> None:
    markup = {"inline_keyboard": [[{"text": "Bouton", "callback_data": data}]]}
    status, body = await _sent(fake, api, "choix", reply_markup=markup)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_an_edit_to_identical_content_is_refused(fake: FakeTelegram, api: Any) -> None:
    status, body = await _sent(fake, api, "<b>Diagnostic</b> en cours")
    chat_id, message_id = str(body["result"]["chat"]["id"]), str(body["result"]["message_id"])
    edit = {"chat_id": chat_id, "message_id": message_id, "parse_mode": "HTML"}
    status, body = await api("editMessageText", text="<strong>Diagnostic</strong> en cours", **edit)
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    assert (await api("editMessageText", text="<b>Diagnostic</b> fini", **edit))[0] == 200


async def test_replies_deletions_and_callback_answers_are_checked(
    fake: FakeTelegram, api: Any
) -> None:
    status, body = await _sent(fake, api, "réponse", reply_parameters={"message_id": 999})
    assert (status, body["description"]) == (400, "Bad Request: message to be replied not found")
    user, admin = fake.user(), fake.user()
    group = fake.group(admins=(admin,))
    message = fake.send(group, user, "bonjour")
    status, body = await api("deleteMessage", chat_id=str(group.id), message_id="1")
    assert (status, body["description"]) == (400, "Bad Request: message can't be deleted")
    assert not message.deleted
    status, _ = await api("answerCallbackQuery", callback_query_id="12345")
    assert status == 400


async def test_tokens_methods_and_chats_are_checked(fake: FakeTelegram, api: Any) -> None:
    assert (await api("getMe", token="987654321:" + "Z" * 35))[0] == 401
    assert (await api("sendFusee"))[0] == 404
    status, body = await api("sendMessage", chat_id="-42", text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_get_updates_is_held_and_a_second_poller_conflicts(
    fake: FakeTelegram, api: Any
) -> None:
    started = time.monotonic()
    first = asyncio.ensure_future(api("getUpdates", timeout="2"))
    await asyncio.sleep(0.3)
    assert not first.done()  # held, as Telegram does
    second = asyncio.ensure_future(api("getUpdates", timeout="1"))
    status, body = await first
    assert status == 409 and "terminated by other getUpdates" in body["description"]
    user = fake.user()
    fake.send(fake.private_chat(user), user, "bonjour")
    status, body = await second
    assert status == 200 and body["result"][0]["message"]["text"] == "bonjour"
    assert time.monotonic() - started < 1.5  # the update ended the long poll


async def test_privacy_mode_decides_what_the_bot_receives(fake: FakeTelegram) -> None:
    user = fake.user()
    with_privacy, without_privacy = fake.group(privacy=True), fake.group(privacy=False)
    assert not fake.delivered(fake.send(with_privacy, user, "quel port smtp ?"))
    assert fake.delivered(fake.send(with_privacy, user, "/config orange"))
    assert fake.delivered(fake.send(with_privacy, user, "/config@AideMailBot orange"))
    assert not fake.delivered(fake.send(with_privacy, user, "/config@AutreBot orange"))
    assert fake.delivered(fake.send(with_privacy, user, "dis @AideMailBot, quel port ?"))
    assert fake.delivered(fake.send(without_privacy, user, "quel port smtp ?"))
