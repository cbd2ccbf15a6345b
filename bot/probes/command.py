"""`python -m bot diagnose TARGET [--json]`: the verdict as text, or the findings as JSON."""

from __future__ import annotations

import asyncio
import json
import sys

from bot.kb import KnowledgeError, load_knowledge
from bot.probes.diagnose import Diagnoser
from bot.probes.model import NoProviders, Providers
from bot.probes.settings import ProbeSettings
from bot.probes.target import TargetError, parse_target
from bot.probes.verdict import diagnosis_reply
from bot.render import render_text

USAGE_ERROR = 2


def _knowledge() -> Providers:
    """The knowledge base, or an empty one (provider detection off) if it cannot be loaded."""
    try:
        return load_knowledge()
    except KnowledgeError as error:
        print(f"aidemail: base de connaissances ignorée : {error}", file=sys.stderr)
        return NoProviders()


def main(target: str, as_json: bool) -> int:
    """Exit 0 whatever the findings; 2 for an unreadable target or a bad PROBE_* setting."""
    try:
        parse_target(target)
        settings = ProbeSettings.from_env()
    except (TargetError, ValueError) as error:
        print(f"aidemail: {error}", file=sys.stderr)
        return USAGE_ERROR
    diagnosis = asyncio.run(Diagnoser(_knowledge(), settings).run(target))
    if as_json:
        print(json.dumps(diagnosis.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_text(diagnosis_reply(diagnosis)))
    return 0
