"""One deadline for a whole diagnosis; every step's timeout is capped by what is left of it."""

from __future__ import annotations

import time


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def cap(self, step: float) -> float:
        """STEP seconds, or less when the deadline is nearer."""
        return min(step, self.remaining())
