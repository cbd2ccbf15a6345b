"""The console chat: same engine, buttons as numbered choices, bounded, ends on EOF."""

import pytest

from bot.console import chat
from bot.engine import Engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


def converse(engine: Engine, lines: list[str]) -> str:
    pending = iter(lines)
    out: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    assert chat(engine, read=read, write=out.append) == 0
    return "\n".join(out)


def test_a_numbered_choice_presses_the_button(engine):
    gmail_position = None
    transcript = converse(engine, ["quels sont les parametres du serveur ?"])
    for line in transcript.splitlines():
        if line.strip().endswith(") Gmail"):
            gmail_position = line.strip().split(")")[0]
    assert gmail_position is not None, transcript
    transcript = converse(engine, ["quels sont les parametres du serveur ?", gmail_position])
    assert "imap.gmail.com" in transcript


def test_commands_and_quit(engine):
    transcript = converse(engine, ["/ports", "/config orange", "/diag", "/quitter", "jamais lu"])
    assert "587" in transcript and "Réglages Orange" in transcript and "Usage : /diag" in transcript
