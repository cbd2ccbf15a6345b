"""End-to-end Telegram throughput: messages answered per second through the fake Bot API.

.venv/bin/python bench/bench_telegram.py [--messages N] [--chats C]

The bot runs as its own process (`python -m bot run`, long polling) against the fake Bot API
of tests/telegram, served from this process on 127.0.0.1. N private messages (the labelled
development questions, round robin) from C chats are queued at once; the clock stops when
every one has its answer. Reported: messages answered per second, the bot process's CPU time
per message (user + system, from /proc) and its peak resident memory (VmHWM).

TELEGRAM_MAX_RATE=0 lifts the bot's own cap on messages per second across chats (30 by
default, Telegram's broadcast limit): the benchmark measures the bot, not that quota.
Floors: 200 messages/s and 150 MB resident.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "telegram"))

from fake_telegram import TOKEN, Chat, FakeTelegram, User

REPO = Path(__file__).resolve().parents[1]

MIN_RATE = 200.0  # messages per second
MAX_RSS_MB = 150.0
WARMUP = 200
ROUNDS = 3
START_TIMEOUT = 60.0
RUN_TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", 300))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def questions() -> list[str]:
    path = REPO / "tests" / "data" / "labelled_dev.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


async def answered(fake: FakeTelegram, count: int, within: float) -> float:
    """Wait until COUNT sendMessage calls succeeded in all; the monotonic time then."""

    def done() -> bool:
        return fake.succeeded["sendMessage"] >= count

    await fake.wait_for(done, within)
    return time.monotonic()


def send_batch(
    fake: FakeTelegram, chats: list[tuple[User, Chat]], texts: list[str], n: int
) -> None:
    for number in range(n):
        user, chat = chats[number % len(chats)]
        fake.send(chat, user, texts[number % len(texts)])


async def bench(messages: int, chat_count: int) -> int:
    texts = questions()
    async with FakeTelegram() as fake:
        with tempfile.TemporaryDirectory() as scratch:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": fake.base_url,
                "TELEGRAM_MAX_RATE": "0",
                "AIDEMAIL_DB_PATH": str(Path(scratch) / "bench.sqlite3"),
                "NO_PROXY": "127.0.0.1,localhost",
            }
            python_args = os.environ.get("BENCH_PYTHON_ARGS", "").split()  # e.g. -m cProfile
            log_path = Path(scratch) / "bot.log"
            with log_path.open("wb") as log:  # a file: a full pipe would block the bot
                process = await asyncio.create_subprocess_exec(
                    sys.executable, *python_args, "-m", "bot", "run",
                    cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log,
                )  # fmt: skip
            try:
                status = await _measure(fake, process, texts, messages, chat_count)
                if status:
                    tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
                    print("bot log (end):", *tail, sep="\n  ", file=sys.stderr)
                return status
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)  # the bot we started, by its pid
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await asyncio.wait_for(process.wait(), 5)


async def _measure(
    fake: FakeTelegram,
    process: asyncio.subprocess.Process,
    texts: list[str],
    messages: int,
    chat_count: int,
) -> int:
    try:
        await fake.wait_for(lambda: fake.calls_to("getUpdates"), START_TIMEOUT)
    except AssertionError:
        print("the bot did not start", file=sys.stderr)
        return 1
    chats = []
    for number in range(chat_count):
        user = fake.user(f"Client{number}")
        chats.append((user, fake.private_chat(user)))
    send_batch(fake, chats, texts, WARMUP)
    await answered(fake, WARMUP, RUN_TIMEOUT)
    rounds: list[tuple[float, float, float]] = []  # (messages/s, bot CPU ms, fake CPU ms)
    for _ in range(ROUNDS):
        target = fake.succeeded["sendMessage"] + messages
        cpu_before, fake_before = cpu_seconds(process.pid), time.process_time()
        started = time.monotonic()
        send_batch(fake, chats, texts, messages)
        try:
            finished = await answered(fake, target, RUN_TIMEOUT)
        except AssertionError:
            done = messages - (target - fake.succeeded["sendMessage"])
            print(f"only {done} of {messages} answered in {RUN_TIMEOUT:.0f} s", file=sys.stderr)
            return 1
        bot_cpu = (cpu_seconds(process.pid) - cpu_before) / messages * 1000
        fake_cpu = (time.process_time() - fake_before) / messages * 1000
        rounds.append((messages / (finished - started), bot_cpu, fake_cpu))
    rss = peak_rss_mb(process.pid)
    errors = fake.errors()
    rate, bot_cpu, fake_cpu = (statistics.median(values) for values in zip(*rounds, strict=True))
    print(f"messages: {ROUNDS} rounds of {messages} from {chat_count} private chats "
          f"({len(texts)} distinct questions, queued at once)")  # fmt: skip
    print(f"answered per second: {rate:.0f} median (floor {MIN_RATE:.0f}); rounds: "
          + ", ".join(f"{r[0]:.0f}" for r in rounds))  # fmt: skip
    print(f"bot CPU per message: {bot_cpu:.2f} ms median (user + system); rounds: "
          + ", ".join(f"{r[1]:.2f}" for r in rounds))  # fmt: skip
    print(f"  of which the engine alone: {engine_ms(texts):.2f} ms (Engine.answer, same messages)")
    print(f"  the fake Bot API (this process): {fake_cpu:.2f} ms CPU per message")
    print(f"bot peak resident memory: {rss:.1f} MB (ceiling {MAX_RSS_MB:.0f})")
    print(f"Bot API errors: {len(errors)}")
    ok = rate >= MIN_RATE and rss < MAX_RSS_MB and not errors
    print("OK" if ok else "BELOW THE FLOORS")
    return 0 if ok else 1


def engine_ms(texts: list[str]) -> float:
    """CPU milliseconds per message of Engine.answer alone, on TEXTS, in this process."""
    from bot.conversation import Conversation
    from bot.engine import Engine

    engine = Engine.load()
    for text in texts:  # warm up, as the bot was
        engine.answer(text, Conversation())
    started = time.process_time()
    for text in texts:
        engine.answer(text, Conversation())
    return (time.process_time() - started) / len(texts) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="per round")
    parser.add_argument("--chats", type=int, default=300)
    args = parser.parse_args()
    return asyncio.run(bench(max(1, args.messages), max(1, args.chats)))


if __name__ == "__main__":
    sys.exit(main())
