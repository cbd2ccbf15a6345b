"""The engine against the labelled set: the dev part and the part never used for tuning."""

import pytest
from labelled import PARTS, load, score

from bot.engine import Engine

# The issue asks for 92% right over the set and 95% of out-of-scope messages declined; the
# holdout part (never tuned on) is held to the same 92% on its own.
ACCURACY_FLOOR = 0.92
PART_FLOOR = {"dev": 0.92, "holdout": 0.92}
DECLINE_FLOOR = 0.95


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


def test_set_is_large_and_varied():
    items = load("dev") + load("holdout")
    assert len(items) >= 250
    assert len({item.id for item in items}) == len(items)
    assert sum(item.out_of_scope for item in items) >= 40
    styles = {item.style for item in items}
    assert {"typos", "sms", "pasted_email", "english", "two_questions", "out_of_scope"} <= styles


def test_known_topics_only(engine):
    for item in load("dev") + load("holdout"):
        for topic in item.expect.get("topics") or [item.expect.get("topic")]:
            assert topic is None or topic in engine.kb.topics, (item.id, topic)


@pytest.mark.parametrize("part", sorted(PARTS))
def test_accuracy_and_declines(engine, part):
    result = score(engine, load(part))
    print(
        f"\n{part}: accuracy {result.accuracy:.1%} "
        f"(in scope {result.in_scope_right}/{result.in_scope}), "
        f"declined {result.declined}/{result.out_of_scope} out-of-scope"
    )
    assert result.accuracy >= PART_FLOOR[part], f"{part} accuracy {result.accuracy:.1%}"


def test_whole_set_accuracy_and_declines(engine):
    result = score(engine, load("dev") + load("holdout"))
    assert result.accuracy >= ACCURACY_FLOOR, f"accuracy {result.accuracy:.1%}"
    assert result.decline_rate >= DECLINE_FLOOR, f"declines {result.decline_rate:.1%}"
