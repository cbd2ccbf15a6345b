"""`python -m bot ...`: ask, chat, kb check, run (Telegram), diagnose (live probes)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import texts
from bot.kb import KnowledgeError, load_knowledge

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="aidemail : assistant de configuration e-mail. Sans commande : le bot "
        "Telegram si TELEGRAM_BOT_TOKEN est défini, sinon la conversation en console.",
    )
    commands = parser.add_subparsers(dest="command")
    ask = commands.add_parser("ask", help="répondre à une question")
    ask.add_argument("question", nargs="?", help="la question (entre guillemets)")
    ask.add_argument("--json", action="store_true", help="sortie JSON")
    ask.add_argument(
        "--batch",
        metavar="FILE",
        help="un fichier (ou - pour l'entrée standard), une question par ligne",
    )
    commands.add_parser("chat", help="conversation en console")
    kb = commands.add_parser("kb", help="base de connaissances")
    kb.add_argument("action", choices=["check"])
    run = commands.add_parser("run", help="lancer le bot Telegram")
    run.add_argument("--webhook", action="store_true", help="webhook au lieu du long polling")
    diagnose = commands.add_parser("diagnose", help="tester les serveurs d'un domaine")
    diagnose.add_argument("target", help="adresse, domaine ou serveur[:port]")
    diagnose.add_argument("--json", action="store_true", help="sortie JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s"
    )
    args = _parser().parse_args(argv)
    command = args.command or ("run" if os.environ.get("TELEGRAM_BOT_TOKEN") else "chat")
    try:
        match command:
            case "ask":
                return _ask(args)
            case "chat":
                from bot.console import chat

                return chat(_engine())
            case "kb":
                return _kb_check()
            case "run":
                from bot.telegram_app import main as run_telegram

                return run_telegram(webhook=getattr(args, "webhook", False))
            case "diagnose":
                from bot.probes.command import main as run_diagnosis

                return run_diagnosis(args.target, args.json)
    except KnowledgeError as error:
        print(f"Base de connaissances invalide : {error}", file=sys.stderr)
        return 1
    return USAGE_ERROR


def _engine():
    from bot.engine import Engine

    return Engine.load()


def _ask(args: argparse.Namespace) -> int:
    from bot.render import render_text, to_json

    if args.batch is not None:
        return _ask_batch(args.batch)
    if args.question is None or not args.question.strip():
        print(texts.EMPTY, file=sys.stderr)
        return USAGE_ERROR
    reply = _engine().answer(args.question)
    print(json.dumps(to_json(reply), ensure_ascii=False) if args.json else render_text(reply))
    return 0


def _ask_batch(source: str) -> int:
    from bot.batch import answer_lines

    engine = _engine()
    try:
        stream = sys.stdin.buffer if source == "-" else Path(source).open("rb")  # noqa: SIM115
    except OSError as error:
        print(f"Impossible de lire {source} : {error.strerror}", file=sys.stderr)
        return USAGE_ERROR
    with stream:
        for result in answer_lines(engine, stream):
            print(json.dumps(result, ensure_ascii=False), flush=False)
    sys.stdout.flush()
    return 0


def _kb_check() -> int:
    kb = load_knowledge()
    examples = sum(len(topic.examples) for topic in kb.topics.values())
    variants = sum(len(t.devices) + len(t.providers) for t in kb.topics.values())
    print(
        f"Base valide : {len(kb.providers)} fournisseurs, {len(kb.topics)} sujets "
        f"({examples} formulations, {variants} variantes), {len(kb.devices)} appareils, "
        f"{len(kb.ports)} ports, {len(kb.lexicon.replacements)} abréviations, "
        f"{len(kb.lexicon.out_of_scope)} exemples hors sujet."
    )
    return 0
