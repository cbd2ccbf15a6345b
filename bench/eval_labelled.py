"""Score the engine on the labelled set; list the dev part's failures (never the holdout's).

.venv/bin/python bench/eval_labelled.py [--failures] [--holdout] [--file EXTRA.jsonl ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engine"))

from labelled import load, load_file, score

from bot.engine import Engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the dev part's failures")
    parser.add_argument("--holdout", action="store_true", help="also print the holdout score")
    parser.add_argument("--file", type=Path, action="append", default=[], help="another set")
    options = parser.parse_args()
    engine = Engine.load()
    parts = [("dev", load("dev"))] + [(path.stem, load_file(path)) for path in options.file]
    if options.holdout:
        parts.append(("holdout", load("holdout")))
    for name, items in parts:
        result = score(engine, items)
        print(
            f"{name:8} accuracy {result.accuracy:6.1%}  in scope {result.in_scope_right}/"
            f"{result.in_scope}  out-of-scope declined {result.declined}/{result.out_of_scope}"
            f"  right answers with an extra topic {result.extra_topics}"
        )
        if name != "holdout" and options.failures:
            for item, problem in result.failures:
                print(f"  {item.id} [{item.style}] {problem}\n     {item.text[:160]!r}")


if __name__ == "__main__":
    main()
