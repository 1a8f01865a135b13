"""Time of an impact check: N questions against the current and a proposed knowledge base (search only).

The questions are the project's own (tests/data/*.tsv) and questions made from the knowledge base's names,
short titles, aliases and FAQ questions, with and without accents, all confirmed with the answer they get
today; the change is a generic alias ("lần đầu") on the new real-estate broker's certificate. The checks run as
in the gateway, in the impact worker process (bot/gateway/console/impact_worker.py): prints how long the worker takes to
warm up after a start (in the background), then the first check staff run and the later ones.

    .venv/bin/python scripts/bench_impact.py [--questions 2000]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.gateway.console.impact_worker import Edit, ImpactWorker  # noqa: E402
from knowledge_base.config import SearchSettings  # noqa: E402
from knowledge_base.impact import ImpactChecker, Question, outcome  # noqa: E402
from knowledge_base.store.disk import load_knowledge_base  # noqa: E402
from knowledge_base.text import strip_accents  # noqa: E402

CAPTURING = "1.012906"  # a generic alias on the real-estate broker's certificate
ASKS = ("{} cần giấy tờ gì", "{} nộp ở đâu", "thủ tục {}", "{} mất bao lâu", "lệ phí {} bao nhiêu")


def questions(n: int) -> list[str]:
    found: dict[str, None] = {}
    for name in sorted((ROOT / "tests" / "data").glob("*questions*.tsv")):
        with open(name, encoding="utf-8") as fh:
            for row in csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t"):
                if len(row) >= 4 and row[0] != "id":
                    found[row[3]] = None
    kb = load_knowledge_base()
    for p in sorted(kb.procedures.values(), key=lambda p: p.code):
        texts = [p.short_title, *p.aliases, *(f.question for f in p.faqs)]
        for text in texts:
            found[text] = None
        for ask in ASKS:
            found[ask.format(p.short_title.lower())] = None
            found[strip_accents(ask.format(p.short_title.lower()))] = None
    return list(found)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="checks after the first (the median is printed)")
    args = parser.parse_args()
    texts = questions(args.questions)

    change = Edit("alias", CAPTURING, "lần đầu")
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        shutil.copytree(ROOT / "knowledge_base" / "data", data)
        # Today's answers as the confirmed ones, from a knowledge base of its own: the checker starts cold.
        labeller = ImpactChecker(SearchSettings.from_env(), data, Path(scratch) / "labeller").current()
        confirmed = [Question(t, outcome(labeller.search(t))) for t in texts]
        del labeller
        worker = ImpactWorker(SearchSettings.from_env(), data, Path(scratch) / "impact")
        started = time.monotonic()
        worker.warm_later(confirmed).result()
        warmed = time.monotonic() - started
        started = time.monotonic()
        impact = worker.check(confirmed, change)
        first = time.monotonic() - started
        later = []
        for _ in range(args.runs):
            started = time.monotonic()
            worker.check(confirmed, change)
            later.append(time.monotonic() - started)
        worker.close()
    print(f"questions: {len(texts)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"worker warmed up after a gateway start (process, model, index, today's answers): {warmed:.1f} s, "
        "in the background"
    )
    print(f"impact check, the first after warming up: {first:.1f} s")
    print(
        f"impact check, later (median of {len(later)}): {statistics.median(later):.1f} s "
        f"(runs: {', '.join(f'{t:.1f}' for t in later)})"
    )
    print(
        f"alias 'lần đầu' on {CAPTURING}: changed {len(impact.changed)}, regressions {len(impact.regressions)}, "
        f"newly answered {len(impact.newly_answered)}"
    )


if __name__ == "__main__":
    main()
