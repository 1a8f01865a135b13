"""Time of an impact check: N questions against the current and a proposed knowledge base (search only).

The questions are the project's own (tests/data/*.tsv) and questions made from the knowledge base's names,
short titles, aliases and FAQ questions, with and without accents, all confirmed with the answer they get
today; the change is a generic alias ("lần đầu") on the building permit. Prints the first check (every
question's vector made once) and a second one (vectors remembered, as for every check after the first).

    .venv/bin/python scripts/bench_impact.py [--questions 2000]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.console import teach  # noqa: E402
from knowledge_base.config import get_settings  # noqa: E402
from knowledge_base.impact import ImpactChecker, Question, outcome  # noqa: E402
from knowledge_base.store import load_knowledge_base  # noqa: E402
from knowledge_base.text import strip_accents  # noqa: E402

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
    args = parser.parse_args()
    texts = questions(args.questions)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        shutil.copytree(ROOT / "knowledge_base" / "data", data)
        checker = ImpactChecker(get_settings(), data, Path(scratch) / "impact")
        started = time.monotonic()
        current = checker.current()
        loaded = time.monotonic() - started
        confirmed = [Question(t, outcome(current.search(t))) for t in texts]
        labelled = time.monotonic() - started - loaded

        def change(root: Path) -> None:
            teach.add_alias(root, "1.013225", "lần đầu")

        times = []
        for _ in range(2):
            # A fresh checker state for the "before" side each time would only repeat the labelling above.
            started = time.monotonic()
            impact = checker.check(confirmed, change)
            times.append(time.monotonic() - started)
        print(f"questions: {len(texts)} (confirmed with today's answers in {labelled:.1f} s; "
              f"knowledge base loaded in {loaded:.1f} s)")
        print(f"impact check, first after start: {times[0]:.1f} s; later checks: {times[1]:.1f} s")
        print(f"alias 'lần đầu' on 1.013225: changed {len(impact.changed)}, regressions {len(impact.regressions)}, "
              f"newly answered {len(impact.newly_answered)}")


if __name__ == "__main__":
    main()
