"""Live probes: discover a domain's mail servers, test them safely, explain the result.

Entry points: Diagnoser.run (async), diagnosis_reply / progress_reply (French Replies),
bot.probes.command.main (the CLI).
"""

from bot.probes.diagnose import Diagnoser
from bot.probes.model import Diagnosis, Finding
from bot.probes.settings import ProbeSettings
from bot.probes.target import TargetError
from bot.probes.verdict import diagnosis_reply, progress_reply

__all__ = [
    "Diagnoser",
    "Diagnosis",
    "Finding",
    "ProbeSettings",
    "TargetError",
    "diagnosis_reply",
    "progress_reply",
]
