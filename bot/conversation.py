"""What the engine remembers of a chat between two messages: a pending clarification."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(slots=True)
class Pending:
    """A question waiting for the provider or the device (no message text is kept)."""

    topic: str
    need: str  # "provider" or "device"
    provider: str = ""
    device: str = ""


@dataclass(slots=True)
class Conversation:
    pending: Pending | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"pending": asdict(self.pending) if self.pending else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Conversation:
        pending = (data or {}).get("pending")
        return cls(Pending(**pending) if isinstance(pending, dict) else None)
