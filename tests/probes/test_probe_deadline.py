"""One deadline per diagnosis, concurrent checks, the cap on diagnoses, the cache, progress."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from probe_helpers import ConnectSpy, codes, diagnose, finding
from servers import Lab, Zone

from bot.probes import Diagnoser, Finding, ProbeSettings
from bot.probes.model import NoProviders
from bot.probes.settings import Nameserver

Settings = Callable[..., ProbeSettings]
Dns = Callable[[Zone], tuple[Nameserver, ...]]


def _hanging_zone(lab: Lab) -> Zone:
    names = ["imap", "pop", "smtp", "mail", "mx", "autoconfig"]
    return Zone(
        hosts={f"{name}.example.test": lab.at.hanging for name in names}
        | {"example.test": lab.at.hanging},
        mx=[("example.test", "mx.example.test", 10)],
    )


async def test_a_domain_of_hanging_servers_costs_one_timeout_not_one_per_check(
    lab: Lab, dns: Dns, make_settings: Settings
) -> None:
    settings = make_settings(dns(_hanging_zone(lab)), io_timeout=0.6, deadline=5.0)
    started = time.monotonic()
    diagnosis = await diagnose("example.test", settings)
    elapsed = time.monotonic() - started
    hung = [
        item
        for item in diagnosis.findings
        if item.code in {"protocol_error", "tls_handshake_failed"}
    ]
    assert len(hung) >= 7  # MX, guessed IMAP/POP/SMTP ports
    # Autoconfig over HTTPS then HTTP (one timeout each), then the checks, all at once:
    # three timeouts, where checking one after the other would cost at least seven.
    assert elapsed < 4 * 0.6 + 0.4, elapsed


async def test_the_deadline_bounds_a_diagnosis_whatever_the_step_timeouts(
    lab: Lab, dns: Dns, make_settings: Settings
) -> None:
    settings = make_settings(
        dns(_hanging_zone(lab)), io_timeout=30.0, connect_timeout=30.0, deadline=1.5
    )
    started = time.monotonic()
    diagnosis = await diagnose("example.test", settings)
    elapsed = time.monotonic() - started
    assert elapsed <= 1.5 * 1.1, elapsed
    assert diagnosis.findings  # what was learnt before the deadline is kept
    assert "mx_found" in codes(diagnosis)


async def test_a_silent_server_after_the_greeting_is_bounded_too(
    lab: Lab, make_settings: Settings
) -> None:
    settings = make_settings(io_timeout=30.0, deadline=1.0)
    started = time.monotonic()
    diagnosis = await diagnose(f"{lab.at.hanging}:143", settings)
    assert time.monotonic() - started <= 1.1
    assert codes(diagnosis) == ["tcp_ok", "protocol_error"]


async def test_checks_of_one_diagnosis_run_concurrently(lab: Lab, make_settings: Settings) -> None:
    # Seven ports of a hanging IP, each silent for 0.5 s: concurrent, about 0.5 s in all.
    started = time.monotonic()
    diagnosis = await diagnose(f"user@[{lab.at.hanging}]", make_settings(io_timeout=0.5))
    assert time.monotonic() - started < 1.5
    assert codes(diagnosis).count("tcp_ok") == 7


async def test_the_cap_on_concurrent_diagnoses_answers_too_busy_within_the_deadline(
    lab: Lab, make_settings: Settings
) -> None:
    settings = make_settings(io_timeout=2.0, deadline=1.0, max_concurrent=1)
    diagnoser = Diagnoser(NoProviders(), settings)
    started = time.monotonic()
    first, second = await asyncio.gather(
        diagnoser.run(f"{lab.at.hanging}:143"), diagnoser.run(f"{lab.at.hanging}:110")
    )
    assert time.monotonic() - started <= 1.1 + 0.5
    busy = [d for d in (first, second) if "too_busy" in codes(d)]
    assert len(busy) == 1
    assert finding(busy[0], "too_busy").status == "error"


async def test_results_are_cached_briefly_per_target_and_relancer_bypasses_it(
    lab: Lab, make_settings: Settings, connect_spy: ConnectSpy
) -> None:
    diagnoser = Diagnoser(NoProviders(), make_settings(cache_ttl=60.0))
    first = await diagnoser.run(f"{lab.at.refused}:993")
    again = await diagnoser.run(f"{lab.at.refused}:993")
    assert len(connect_spy.calls) == 1
    assert again.findings == first.findings
    await diagnoser.run(f"{lab.at.refused}:993", fresh=True)
    assert len(connect_spy.calls) == 2
    expired = Diagnoser(NoProviders(), make_settings(cache_ttl=0.05))
    await expired.run(f"{lab.at.refused}:995")
    await asyncio.sleep(0.1)
    await expired.run(f"{lab.at.refused}:995")
    assert len(connect_spy.calls) == 4


async def test_progress_reports_each_finding_as_it_comes(lab: Lab, make_settings: Settings) -> None:
    seen: list[Finding] = []

    async def on_finding(item: Finding) -> None:
        seen.append(item)

    diagnosis = await diagnose(f"{lab.at.smtp}:587", make_settings(), on_finding=on_finding)
    assert seen == diagnosis.findings


async def test_a_failing_or_slow_progress_callback_does_not_hold_the_diagnosis(
    lab: Lab, make_settings: Settings
) -> None:
    async def broken(item: Finding) -> None:
        raise RuntimeError("telegram down")

    async def slow(item: Finding) -> None:
        await asyncio.sleep(30)

    diagnosis = await diagnose(f"{lab.at.refused}:993", make_settings(), on_finding=broken)
    assert codes(diagnosis) == ["tcp_refused"]
    started = time.monotonic()
    slowed = await diagnose(f"{lab.at.refused}:993", make_settings(deadline=1.0), on_finding=slow)
    assert time.monotonic() - started <= 1.1  # the callback is awaited within the deadline only
    assert codes(slowed) == ["tcp_refused"]


async def test_a_cancelled_diagnosis_stops_its_checks(lab: Lab, make_settings: Settings) -> None:
    diagnoser = Diagnoser(NoProviders(), make_settings(io_timeout=5.0, deadline=10.0))
    running = asyncio.create_task(diagnoser.run(f"user@[{lab.at.hanging}]"))
    await asyncio.sleep(0.3)
    before = {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}
    assert len(before) > 1  # the diagnosis and its seven checks
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    left = {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}
    assert not {task for task in left if not task.done()}
