"""Benchmark of the live probes against real servers on loopback (Dovecot, aiosmtpd, dnsmasq).

    .venv/bin/python bench/bench_probes.py

1. a domain with 3 servers x 2 ports (published by autoconfig): wall time;
2. the same with every server hanging (accepts, never speaks): must stay within deadline + 10 %;
   then with the autoconfig web server hanging too;
3. 50 concurrent diagnoses (the global cap on concurrent diagnoses applies).

Runs as root (the servers bind the mail ports); uses the production timeouts (15 s deadline).
The servers run in a child process, so that their work is not counted as the probes'.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "probes"))

from servers import (
    LabAddresses,
    Zone,
    autoconfig_xml,
    dns_server,
    loopback_base,
    run_lab_process,
)

from bot.probes import Diagnoser, Diagnosis, ProbeSettings
from bot.probes.model import NoProviders
from bot.probes.settings import Nameserver, parse_networks

DOMAIN = "example.test"
SERVERS = [
    ("imap", "imap.example.test", 993, "SSL"),
    ("imap", "imap.example.test", 143, "STARTTLS"),
    ("pop3", "pop.example.test", 995, "SSL"),
    ("pop3", "pop.example.test", 110, "STARTTLS"),
    ("smtp", "smtp.example.test", 465, "SSL"),
    ("smtp", "smtp.example.test", 587, "STARTTLS"),
]
RUNS = 5
CONCURRENT = 50


def _zone(at: LabAddresses, *, hanging: bool, web_hanging: bool = False) -> Zone:
    mail = {
        "imap.example.test": at.dovecot.valid,
        "pop.example.test": at.dovecot.valid,
        "smtp.example.test": at.smtp,
    }
    if hanging:
        mail = dict.fromkeys(mail, at.hanging)
    web = at.hanging if web_hanging else at.http
    hosts = mail | {"autoconfig.example.test": web, DOMAIN: web, "ispdb.example.test": web}
    return Zone(hosts=hosts)


def _settings(port: int, **overrides: object) -> ProbeSettings:
    values: dict[str, object] = {
        "nameservers": (Nameserver("127.0.0.1", port),),
        "allow_networks": parse_networks("127.0.0.0/8"),
        "ispdb_url": "http://ispdb.example.test/v1.1/",
        "cache_ttl": 0.0,
    }
    values.update(overrides)
    return ProbeSettings(**values)  # type: ignore[arg-type]


async def _timed(diagnoser: Diagnoser, target: str) -> tuple[float, Diagnosis]:
    started = time.monotonic()
    diagnosis = await diagnoser.run(target, fresh=True)
    return time.monotonic() - started, diagnosis


def _checks(diagnosis: Diagnosis) -> str:
    probed = {(f.host, f.port) for f in diagnosis.findings if f.check == "tcp"}
    errors = sum(f.status == "error" for f in diagnosis.findings)
    return f"{len(probed)} server ports probed, {errors} errors"


async def _healthy(at: LabAddresses) -> None:
    with dns_server(_zone(at, hanging=False)) as port:
        diagnoser = Diagnoser(NoProviders(), _settings(port))
        times = []
        for _ in range(RUNS):
            elapsed, diagnosis = await _timed(diagnoser, f"contact@{DOMAIN}")
            times.append(elapsed)
        print(
            f"1. 3 servers x 2 ports, healthy: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {RUNS} runs ({_checks(diagnosis)})"
        )


async def _hanging(at: LabAddresses, *, web_hanging: bool) -> None:
    with dns_server(_zone(at, hanging=True, web_hanging=web_hanging)) as port:
        settings = _settings(port)
        elapsed, diagnosis = await _timed(Diagnoser(NoProviders(), settings), f"contact@{DOMAIN}")
        limit = settings.deadline * 1.1
        verdict = "OK" if elapsed <= limit else "OVER"
        what = "every server and the autoconfig web server" if web_hanging else "every server"
        print(
            f"2. {what} hanging: {elapsed:.2f} s (deadline {settings.deadline:.0f} s, "
            f"limit {limit:.1f} s: {verdict}; io timeout {settings.io_timeout:.0f} s; "
            f"{_checks(diagnosis)})"
        )


async def _concurrent(at: LabAddresses) -> None:
    with dns_server(_zone(at, hanging=False)) as port:
        for cap in (ProbeSettings().max_concurrent, CONCURRENT):
            diagnoser = Diagnoser(NoProviders(), _settings(port, max_concurrent=cap))
            started, cpu = time.monotonic(), time.process_time()
            results = await asyncio.gather(
                *(_timed(diagnoser, f"user{index}@{DOMAIN}") for index in range(CONCURRENT))
            )
            wall, cpu = time.monotonic() - started, time.process_time() - cpu
            times = sorted(elapsed for elapsed, _ in results)
            busy = sum("too_busy" in diagnosis.codes() for _, diagnosis in results)
            errors = sum(
                any(f.status == "error" for f in diagnosis.findings) for _, diagnosis in results
            )
            print(
                f"3. {CONCURRENT} concurrent diagnoses, cap {cap}: wall {wall:.2f} s "
                f"(probe process CPU {cpu:.2f} s), "
                f"p50 {times[len(times) // 2]:.2f} s, p95 {times[int(len(times) * 0.95)]:.2f} s, "
                f"too_busy {busy}, with errors {errors}"
            )


async def _main(at: LabAddresses) -> None:
    await _healthy(at)
    await _hanging(at, web_hanging=False)
    await _hanging(at, web_hanging=True)
    await _concurrent(at)


def main() -> int:
    if os.geteuid() != 0:
        print("bench_probes: run as root (the servers bind the mail ports)", file=sys.stderr)
        return 2
    routes = {
        ("autoconfig.example.test", "/mail/config-v1.1.xml"): (200, autoconfig_xml(SERVERS, DOMAIN))
    }
    base = loopback_base()
    context = multiprocessing.get_context("fork")
    ready, stop = context.Event(), context.Event()
    with tempfile.TemporaryDirectory(prefix="aidemail-bench-") as directory:
        servers = context.Process(
            target=run_lab_process, args=(Path(directory), base, routes, ready, stop)
        )
        servers.start()
        try:
            if not ready.wait(timeout=30):
                print("bench_probes: the servers did not start", file=sys.stderr)
                return 1
            os.environ["SSL_CERT_FILE"] = str(Path(directory) / "certs" / "ca.pem")
            asyncio.run(_main(LabAddresses.allocate(base)))
        finally:
            stop.set()
            servers.join(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
