"""Which servers a diagnosis probes, when nothing else is known: the usual guesses."""

from __future__ import annotations

from bot.probes.model import ServerSpec

# Thunderbird-style guesses, with the ports each name usually serves.
GUESSES = (
    ("imap", "imap", (993, 143)),
    ("pop", "pop3", (995,)),
    ("smtp", "smtp", (465, 587)),
    ("mail", "imap", (993,)),
    ("mail", "smtp", (587,)),
)
PROTOCOL_ORDER = {"imap": 0, "pop3": 1, "smtp": 2}


def guesses(domain: str) -> list[ServerSpec]:
    return [
        ServerSpec(protocol, f"{label}.{domain}", port, "guess", "guess")
        for label, protocol, ports in GUESSES
        for port in ports
    ]


def guess_names(domain: str) -> list[str]:
    return list(dict.fromkeys(f"{label}.{domain}" for label, _, _ in GUESSES))
