"""/diag: progress edits (throttled, never identical), the verdict, "Relancer", rate limits.

The probes are replaced by a scripted diagnoser (no network); their French rendering
(bot.probes.diagnosis_reply / progress_reply) is the real one. One test runs the real
Diagnoser on a loopback target, which its guard refuses before any connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fake_telegram import BOT_USERNAME, FakeTelegram, Message
from tg_harness import StartBot

from bot.buttons import DiagnoseChoice
from bot.engine import Engine
from bot.probes import Diagnosis, Finding, TargetError, diagnosis_reply, progress_reply
from bot.reply import Reply, ReplyKind, Section
from handlers.diag import DiagService, SlidingWindow
from handlers.texts import DIAG_STARTED, DIAG_USAGE

TARGET = "exemple.fr"


class ScriptedDiagnoser:
    """Emits COUNT findings, SPACING seconds apart, then a verdict; records its runs."""

    def __init__(self, count: int = 4, spacing: float = 0.05) -> None:
        self.count, self.spacing = count, spacing
        self.runs: list[tuple[str, bool]] = []

    async def run(self, target: str, *, on_finding: Any = None, fresh: bool = False) -> Diagnosis:
        if "<" in target or " " in target:
            raise TargetError(f"« {target} » n'est pas un nom de domaine valide.")
        self.runs.append((target, fresh))
        findings = []
        for number in range(self.count):
            await asyncio.sleep(self.spacing)
            port = 993 if number % 2 else 465
            finding = Finding.of("tcp", f"mail{number}.{target}", port, "tcp_ok")
            findings.append(finding)
            if on_finding is not None:
                await on_finding(finding)
        return Diagnosis(target, None, findings, summary="Tout fonctionne.")


def _service(diagnoser: Any, **overrides: Any) -> DiagService:
    options: dict[str, Any] = {
        "diagnosis_reply": diagnosis_reply,
        "progress_reply": progress_reply,
        "target_error": TargetError,
        "edit_interval": 0.1,
        **overrides,
    }
    return DiagService(diagnoser, **options)


async def _diag(fake: FakeTelegram, text: str) -> tuple[Message, Any]:
    user = fake.user()
    chat = fake.private_chat(user)
    fake.send(chat, user, text)
    [message] = await fake.wait_messages(chat)
    return message, user


def _verdict(message: Message) -> bool:
    return "Diagnostic de" in (message.text or "") and bool(message.buttons)


async def test_without_a_target_diag_shows_its_usage(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    await start_bot(diag=_service(ScriptedDiagnoser()))
    message, _ = await _diag(fake, "/diag")
    assert message.text == DIAG_USAGE


async def test_progress_is_edited_into_the_verdict_with_a_retry_button(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    diagnoser = ScriptedDiagnoser(count=6, spacing=0.06)
    await start_bot(diag=_service(diagnoser))
    message, user = await _diag(fake, f"/diag {TARGET}")
    await fake.wait_for(lambda: _verdict(message), within=10)
    edits = fake.calls_to("editMessageText")
    assert 2 <= len(edits) <= 6  # some progress, throttled, then the verdict
    assert not fake.errors()  # in particular no "message is not modified"
    assert "Tout fonctionne." in message.text
    retry = DiagnoseChoice(TARGET, fresh=True).encode()
    assert retry in [button["callback_data"] for button in message.buttons]
    query = fake.press(message, retry, user)
    await fake.wait_for(lambda: len(diagnoser.runs) == 2 and query in fake.callback_answers)
    assert diagnoser.runs == [(TARGET, False), (TARGET, True)]  # "Relancer" bypasses the cache


async def test_a_progress_that_did_not_change_is_not_edited(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    same = Reply(ReplyKind.DIAGNOSIS, [Section(title="Diagnostic en cours…")])
    diag = _service(ScriptedDiagnoser(count=8, spacing=0.03), progress_reply=lambda t, f: same,
                    edit_interval=0.0)  # fmt: skip
    await start_bot(diag=diag)
    message, _ = await _diag(fake, f"/diag {TARGET}")
    await fake.wait_for(lambda: _verdict(message), within=10)
    assert len(fake.calls_to("editMessageText")) == 2  # the unchanging progress once, the verdict
    assert not fake.errors()


async def test_edits_are_throttled(fake: FakeTelegram, start_bot: StartBot) -> None:
    await start_bot(diag=_service(ScriptedDiagnoser(count=30, spacing=0.01), edit_interval=1.0))
    message, _ = await _diag(fake, f"/diag {TARGET}")
    await fake.wait_for(lambda: _verdict(message), within=10)
    assert len(fake.calls_to("editMessageText")) <= 2  # ~0.3 s of findings: one flush, a verdict


async def test_a_bad_target_is_explained_escaped(fake: FakeTelegram, start_bot: StartBot) -> None:
    await start_bot(diag=_service(ScriptedDiagnoser()))
    message, _ = await _diag(fake, "/diag <b>x&y")
    await fake.wait_for(lambda: "n'est pas un nom de domaine valide" in (message.text or ""))
    assert "<b>x&y" in message.text and not fake.errors()


async def test_diag_is_rate_limited_per_user(fake: FakeTelegram, start_bot: StartBot) -> None:
    diagnoser = ScriptedDiagnoser(count=1, spacing=0.0)
    await start_bot(diag=_service(diagnoser, per_user=SlidingWindow(2, 60.0)))
    user = fake.user()
    chat = fake.private_chat(user)
    for number in range(1, 4):
        fake.send(chat, user, f"/diag {TARGET}")
        await fake.wait_messages(chat, number)
    await fake.settle(0.3)
    assert len(diagnoser.runs) == 2
    assert "merci de patienter" in fake.bot_messages(chat)[-1].text


async def test_a_test_button_from_an_answer_runs_the_diagnosis(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    diagnoser = ScriptedDiagnoser(count=2)
    await start_bot(diag=_service(diagnoser))
    answer, user = await _diag(fake, "paramètres imap de jean@ma-boite.fr")
    data = DiagnoseChoice("ma-boite.fr").encode()
    assert data in [button["callback_data"] for button in answer.buttons]
    fake.press(answer, data, user)
    await fake.wait_for(lambda: diagnoser.runs == [("ma-boite.fr", False)])
    await fake.wait_for(lambda: _verdict(fake.bot_messages(answer.chat)[-1]))


async def test_in_a_group_the_diagnosis_is_threaded(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    await start_bot(diag=_service(ScriptedDiagnoser(count=2)))
    agent = fake.user()
    group = fake.group()
    command = fake.send(group, agent, f"/diag@{BOT_USERNAME} {TARGET}")
    [message] = await fake.wait_messages(group)
    assert message.text == DIAG_STARTED.format(target=TARGET)
    assert json.loads(message.params["reply_parameters"])["message_id"] == command.message_id
    await fake.wait_for(lambda: _verdict(message))


async def test_the_real_diagnoser_refuses_loopback_targets(
    fake: FakeTelegram, start_bot: StartBot, engine: Engine
) -> None:
    await start_bot(diag=DiagService.from_probes(engine.kb))
    message, _ = await _diag(fake, "/diag 127.0.0.1:993")
    await fake.wait_for(lambda: _verdict(message), within=15)
    assert "127.0.0.1" in message.text and not fake.errors()
