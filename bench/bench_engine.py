"""Engine latency per message, start-up time, and growth with a 10x and 100x larger base.

.venv/bin/python bench/bench_engine.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engine"))

from labelled import load

from bot.engine import Engine
from bot.kb import KnowledgeBase, load_knowledge

ROUNDS = 3


def startup_seconds() -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        Engine.load()
        best = min(best, time.perf_counter() - started)
    return best


def enlarged(kb: KnowledgeBase, factor: int) -> KnowledgeBase:
    """FACTOR times as many topics: copies whose phrasings carry made-up words of their own."""
    topics = dict(kb.topics)
    for copy in range(1, factor):
        for topic in kb.topics.values():
            examples = [
                f"{example} zq{copy}x{n % 7} syn{copy}" for n, example in enumerate(topic.examples)
            ]
            clone = topic.model_copy(update={"id": f"{topic.id[:14]}_{copy}", "examples": examples})
            topics[clone.id] = clone
    return KnowledgeBase(kb.providers, topics, kb.devices, kb.lexicon, kb.ports)


def latencies(engine: Engine, texts: list[str]) -> list[float]:
    for text in texts[:20]:
        engine.answer(text)  # warm the caches as a running bot would have them
    samples = []
    for _ in range(ROUNDS):
        for text in texts:
            started = time.perf_counter()
            engine.answer(text)
            samples.append(time.perf_counter() - started)
    return samples


def describe(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


def main() -> None:
    texts = [item.text for item in load("dev") + load("holdout")]
    print(f"start-up (load, validate, index): {startup_seconds() * 1000:.0f} ms")
    kb = load_knowledge()
    base_median = None
    for factor in (1, 10, 100):
        started = time.perf_counter()
        engine = Engine(enlarged(kb, factor))
        indexing = time.perf_counter() - started
        samples = latencies(engine, texts)
        median = statistics.median(samples)
        base_median = base_median or median
        print(
            f"x{factor:<3} {len(engine.kb.topics):5} topics: {describe(samples)} "
            f"({median / base_median:.1f}x the base median), indexing {indexing * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
