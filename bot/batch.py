"""`ask --batch`: many questions in one process, one JSON object a line, in input order."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from bot.engine import Engine
from bot.render import to_json


def _parse(raw: bytes) -> tuple[Any, str | None, str | None]:
    """(id, text, error) for one input line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, None, "ligne non UTF-8 : encodez le fichier en UTF-8"
    line = line.rstrip("\r\n")
    if line.lstrip().startswith("{"):
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return None, None, "JSON invalide sur cette ligne"
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            return (
                item.get("id") if isinstance(item, dict) else None,
                None,
                ('objet JSON sans champ "text" (texte)'),
            )
        return item.get("id"), item["text"], None
    return None, line, None


def answer_lines(engine: Engine, lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    for raw in lines:
        if not raw.strip():
            continue
        ident, text, error = _parse(raw)
        result: dict[str, Any] = {} if ident is None else {"id": ident}
        if error or text is None:
            result.update(matched=False, error=error)
        else:
            result.update(to_json(engine.answer(text)))
        yield result
