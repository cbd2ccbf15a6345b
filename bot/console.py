"""The console chat: the same engine, buttons shown as numbered choices."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

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
        reply = _handle(engine, line, choice, conversation)
        write(render_text(reply))
        offered = [c for c in (buttons.decode(b.data) for b in reply.buttons) if c is not None]
        for number, button in enumerate(reply.buttons, 1):
            write(f"  {number}) {button.text}")
    return 0


def _handle(
    engine: Engine, line: str, choice: buttons.Choice | None, conversation: Conversation
) -> Reply:
    if isinstance(choice, buttons.AnswerChoice):
        return engine.choose(choice, conversation)
    if isinstance(choice, buttons.DiagnoseChoice):
        return diagnose(engine, choice.target, fresh=choice.fresh)
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
                diagnose(engine, argument.strip())
                if argument.strip()
                else (engine.composer.notice(texts.DIAG_USAGE))
            )
    return engine.answer(line, conversation)


def diagnose(engine: Engine, target: str, fresh: bool = False) -> Reply:
    from bot.probes import Diagnoser, TargetError, diagnosis_reply

    try:
        diagnosis = asyncio.run(Diagnoser(engine.kb).run(target, fresh=fresh))
    except TargetError as error:
        return engine.composer.notice(str(error))
    return diagnosis_reply(diagnosis)
