"""The console chat: the same engine, buttons shown as numbered choices."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot import buttons, texts
from bot.conversation import Conversation
from bot.engine import Engine
from bot.render import render_text
from bot.reply import Reply

PROMPT = "vous> "
QUIT = {"/quit", "/quitter", "/exit", "quit", "exit"}
MAX_TURNS = 10_000


def chat(
    engine: Engine, read: Callable[[str], str] = input, write: Callable[[str], None] = print
) -> int:
    write(render_text(engine.help_reply()))
    write("(/quitter pour sortir)")
    conversation = Conversation()
    probes = _Probes(engine)
    try:
        return _loop(engine, read, write, conversation, probes)
    finally:
        probes.close()


def _loop(
    engine: Engine,
    read: Callable[[str], str],
    write: Callable[[str], None],
    conversation: Conversation,
    probes: _Probes,
) -> int:
    offered: list[buttons.Choice] = []
    for _ in range(MAX_TURNS):
        try:
            line = read(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return 0
        if line.lower() in QUIT:
            return 0
        if not line:
            continue
        choice = (
            offered[int(line) - 1] if line.isdigit() and 0 < int(line) <= len(offered) else None
        )
        reply = _handle(engine, line, choice, conversation, probes)
        write(render_text(reply))
        offered = [c for c in (buttons.decode(b.data) for b in reply.buttons) if c is not None]
        for number, button in enumerate(reply.buttons, 1):
            write(f"  {number}) {button.text}")
    return 0


def _handle(
    engine: Engine,
    line: str,
    choice: buttons.Choice | None,
    conversation: Conversation,
    probes: _Probes,
) -> Reply:
    if isinstance(choice, buttons.AnswerChoice):
        return engine.choose(choice, conversation)
    if isinstance(choice, buttons.DiagnoseChoice):
        return probes.diagnose(choice.target, fresh=choice.fresh)
    command, _, argument = line.partition(" ")
    match command.lower():
        case "/start" | "/aide" | "/help":
            return engine.help_reply()
        case "/config":
            return engine.provider_card(argument)
        case "/ports":
            return engine.ports_card()
        case "/diag":
            return (
                probes.diagnose(argument.strip())
                if argument.strip()
                else (engine.composer.notice(texts.DIAG_USAGE))
            )
    return engine.answer(line, conversation)


class _Probes:
    """One diagnoser (and its cache, so that "Relancer" means something) per console chat,
    on one event loop; built at the first /diag only."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._runner: asyncio.Runner | None = None
        self._diagnoser: Any = None

    def diagnose(self, target: str, fresh: bool = False) -> Reply:
        from bot.probes import Diagnoser, TargetError, diagnosis_reply

        if self._runner is None:
            self._runner = asyncio.Runner()
            self._diagnoser = Diagnoser(self.engine.kb)
        try:
            diagnosis = self._runner.run(self._diagnoser.run(target, fresh=fresh))
        except TargetError as error:
            return self.engine.composer.notice(str(error))
        return diagnosis_reply(diagnosis)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
