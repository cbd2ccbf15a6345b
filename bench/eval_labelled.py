"""Score the engine on the labelled set; list the dev part's failures (never the holdout's).

.venv/bin/python bench/eval_labelled.py [--failures]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engine"))

from labelled import load, score

from bot.engine import Engine


def main() -> None:
    engine = Engine.load()
    for part in ("dev", "holdout") if "--holdout" in sys.argv else ("dev",):
        result = score(engine, load(part))
        print(
            f"{part:8} accuracy {result.accuracy:6.1%}  in scope {result.in_scope_right}/"
            f"{result.in_scope}  out-of-scope declined {result.declined}/{result.out_of_scope}"
        )
        if part == "dev" and "--failures" in sys.argv:
            for item, problem in result.failures:
                print(f"  {item.id} [{item.style}] {problem}\n     {item.text[:160]!r}")


if __name__ == "__main__":
    main()
