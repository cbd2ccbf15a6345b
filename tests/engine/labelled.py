"""The labelled message set (tests/data/labelled_*.jsonl) and how a reply is judged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.render import render_text
from bot.reply import Reply, ReplyKind

DATA = Path(__file__).resolve().parents[1] / "data"
PARTS = {"dev": DATA / "labelled_dev.jsonl", "holdout": DATA / "labelled_holdout.jsonl"}


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    expect: dict[str, Any]
    style: str

    @property
    def out_of_scope(self) -> bool:
        return bool(self.expect.get("decline"))


def load(part: str) -> list[Item]:
    return load_file(PARTS[part])


def load_file(path: Path) -> list[Item]:
    with path.open(encoding="utf-8") as stream:
        return [
            Item(row["id"], row["text"], row["expect"], row.get("style", ""))
            for row in map(json.loads, stream)
        ]


def judge(reply: Reply, expect: dict[str, Any]) -> str | None:
    """None when REPLY is what EXPECT asks for, else what is wrong."""
    if expect.get("decline"):
        return None if reply.kind is ReplyKind.DECLINE else f"answered {reply.topic}"
    if "clarify" in expect:
        if reply.kind is not ReplyKind.CLARIFY:
            return f"{reply.kind.value} {reply.topic} instead of asking {expect['clarify']}"
        if reply.asks != expect["clarify"]:
            return f"asked {reply.asks} instead of {expect['clarify']}"
        if expect.get("topic") and reply.topic != expect["topic"]:
            return f"clarified {reply.topic} instead of {expect['topic']}"
        return None
    wanted = expect.get("topics") or [expect["topic"]]
    if reply.kind is not ReplyKind.ANSWER:
        return f"{reply.kind.value} ({reply.topic}) instead of {wanted}"
    missing = [topic for topic in wanted if topic not in reply.topics]
    if missing:
        return f"topics {reply.topics} lack {missing}"
    for key in ("provider", "device"):
        if key in expect and getattr(reply, key) != expect[key]:
            return f"{key} {getattr(reply, key)} instead of {expect[key]}"
    text = render_text(reply).lower()
    absent = [fact for fact in expect.get("contains", []) if fact.lower() not in text]
    return f"reply lacks {absent}" if absent else None


@dataclass(frozen=True)
class Score:
    in_scope: int
    in_scope_right: int
    out_of_scope: int
    declined: int
    failures: list[tuple[Item, str]]
    extra_topics: int = 0  # right answers that also answer a topic the label does not ask for

    @property
    def accuracy(self) -> float:
        total = self.in_scope + self.out_of_scope
        return (self.in_scope_right + self.declined) / total if total else 0.0

    @property
    def decline_rate(self) -> float:
        return self.declined / self.out_of_scope if self.out_of_scope else 1.0


def score(engine: Engine, items: list[Item]) -> Score:
    in_scope = right = out = declined = extra = 0
    failures: list[tuple[Item, str]] = []
    for item in items:
        reply = engine.answer(item.text)
        problem = judge(reply, item.expect)
        if item.out_of_scope:
            out += 1
            declined += problem is None
        else:
            in_scope += 1
            right += problem is None
            wanted = item.expect.get("topics") or [item.expect.get("topic")]
            extra += problem is None and bool(set(reply.topics) - set(wanted))
        if problem:
            failures.append((item, problem))
    return Score(in_scope, right, out, declined, failures, extra)
