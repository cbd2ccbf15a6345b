"""Button payloads: short strings (Telegram allows 1-64 bytes) that the engine reads back."""

from __future__ import annotations

from dataclasses import dataclass

MAX_DATA_BYTES = 64
_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class AnswerChoice:
    """Answer TOPIC assuming PROVIDER and DEVICE (either may be empty)."""

    topic: str
    provider: str = ""
    device: str = ""

    def encode(self) -> str:
        return _encode("ans", self.topic, self.provider, self.device)


@dataclass(frozen=True, slots=True)
class DiagnoseChoice:
    """Run the live probes against TARGET (a domain, an address or host[:port])."""

    target: str
    fresh: bool = False  # "Relancer": bypass the cache

    def encode(self) -> str:
        return _encode("rediag" if self.fresh else "diag", self.target)


Choice = AnswerChoice | DiagnoseChoice


def _encode(*parts: str) -> str:
    data = _SEPARATOR.join(parts)
    if len(data.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"button data over {MAX_DATA_BYTES} bytes: {data!r}")
    return data


def fits(*parts: str) -> bool:
    return len(_SEPARATOR.join(parts).encode()) <= MAX_DATA_BYTES


def decode(data: str) -> Choice | None:
    """The choice a button carries, or None for data this bot never produced."""
    kind, _, rest = data.partition(_SEPARATOR)
    parts = rest.split(_SEPARATOR)
    if kind == "ans" and len(parts) == 3 and parts[0]:
        return AnswerChoice(*parts)
    if kind in {"diag", "rediag"} and len(parts) == 1 and parts[0]:
        return DiagnoseChoice(parts[0], fresh=kind == "rediag")
    return None
