"""`python -m bot search` (questions on stdin, JSON lines out) and `python -m bot eval FILE.tsv`."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass, field, replace

from knowledge_base.service import KnowledgeBase, print_progress

STAGES = ("lexical", "dense", "hybrid")


def _load(quiet: bool = False) -> KnowledgeBase:
    kb = KnowledgeBase.from_settings()
    # stdout carries the answers; progress goes to stderr
    kb.load(None if quiet else print_progress)
    return kb


def search_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot search", description="Search the knowledge base; one question per line on stdin."
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line (the default is readable text)")
    parser.add_argument("--top", type=int, default=5, metavar="K", help="results per question (default 5)")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    args = parser.parse_args(argv)
    kb = _load(args.quiet)
    for line in sys.stdin:
        question = line.strip()
        if not question:
            continue
        response = kb.search(question, top_k=max(1, args.top))
        if args.json:
            out = {
                "query": response.query,
                "confident": response.confident,
                "results": [
                    {"code": h.code, "name": h.name, "score": h.score, "in_scope": h.in_scope, "agency": h.agency}
                    for h in response.results
                ],
                "ambiguous_between": response.ambiguous_between,
                "aspects": response.aspects,
            }
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(
                f"{question}  [{'confident' if response.confident else 'not confident'}]"
                f"{'  asks: ' + ', '.join(response.aspects) if response.aspects else ''}"
                f"{'  which of: ' + ', '.join(response.ambiguous_between) if response.ambiguous_between else ''}"
            )
            for h in response.results:
                scope = "department" if h.in_scope else "other agency"
                print(f"  {h.score:.3f}  {h.code}  {h.name[:100]}  ({scope})")
    return 0


@dataclass
class Score:
    answered: int = 0
    top1: int = 0
    top3: int = 0
    variant_total: int = 0
    variant_top1: int = 0
    out_total: int = 0
    out_rejected: int = 0
    confident_correct: int = 0
    confident_answers: int = 0  # confident with a department procedure first, on questions that have an answer
    # Answered at once: confident, or leading clearly (answered with the runners-up offered beside it).
    at_once: int = 0
    at_once_right: int = 0
    at_once_oos: int = 0  # questions with no department answer that were answered with one anyway
    misses: list[str] = field(default_factory=list)

    def report(self, title: str) -> str:
        def ratio(a: int, b: int) -> str:
            return f"{a}/{b} = {a / b:.3f}" if b else "n/a"

        lines = [
            f"== {title}",
            f"top-1 {ratio(self.top1, self.answered)}",
            f"top-3 {ratio(self.top3, self.answered)}",
            f"no-diacritic/typo top-1 {ratio(self.variant_top1, self.variant_total)}",
            f"out-of-scope rejected {ratio(self.out_rejected, self.out_total)}",
            f"confident when top-1 is right {ratio(self.confident_correct, self.top1)}",
            f"right when confident {ratio(self.confident_correct, self.confident_answers)}",
            f"answered at once (confident or leading) {ratio(self.at_once, self.answered)}, right "
            f"{ratio(self.at_once_right, self.at_once)}, out-of-scope answered {ratio(self.at_once_oos, self.out_total)}",
        ]
        lines += [f"MISS {m}" for m in self.misses]
        return "\n".join(lines)


def evaluate(kb: KnowledgeBase, rows: list[tuple[str, str, str, str]], stage: str = "hybrid") -> Score:
    ranker = kb._require().ranker
    score = Score()
    for row_id, kind, expected, question in rows:
        ranked = ranker.rank(question, 5, stage)
        if kb.other_agency(question, whole=ranked) is not None:
            # Redirected to another agency by the directory (other_agencies.yml): no department answer.
            ranked = replace(ranked, confident=False, leads=False)
        got = [h.code for h in ranked.hits]
        top = ranked.hits[0] if ranked.hits else None
        shown = ", ".join(f"{h.code}{'' if h.in_scope else '(out)'}:{h.score:.2f}" for h in ranked.hits[:3])
        if expected.strip() == "-":
            score.out_total += 1
            ok = not ranked.confident or top is None or not top.in_scope
            score.out_rejected += ok
            score.confident_answers += not ok
            score.at_once_oos += bool((ranked.confident or ranked.leads) and top is not None and top.in_scope)
            if not ok:
                score.misses.append(
                    f"{row_id} [{kind}] expected no department answer: {question!r} -> {shown} (confident)"
                )
            continue
        wanted = {c.strip() for c in expected.split("|") if c.strip()}
        score.answered += 1
        hit1 = bool(got) and got[0] in wanted
        score.top1 += hit1
        score.confident_correct += hit1 and ranked.confident
        score.confident_answers += bool(ranked.confident and top is not None and top.in_scope)
        score.top3 += bool(wanted & set(got[:3]))
        if (ranked.confident or ranked.leads) and top is not None and top.in_scope:
            score.at_once += 1
            score.at_once_right += hit1
        if kind in ("nodiac", "typo"):
            score.variant_total += 1
            score.variant_top1 += hit1
        if not hit1:
            score.misses.append(
                f"{row_id} [{kind}] expected {expected}: {question!r} -> {shown}"
                f"{' (CONFIDENT)' if ranked.confident else ' (not confident)'}"
            )
    return score


def read_rows(path: str) -> list[tuple[str, str, str, str]]:
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for record in csv.reader(fh, delimiter="\t"):
            if len(record) < 4 or record[0] == "id" or record[0].startswith("#"):
                continue
            rows.append((record[0], record[1], record[2], "\t".join(record[3:])))
    return rows


def eval_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot eval", description="Measure search on a question file.")
    parser.add_argument(
        "file", help="TSV: id, kind (in|nodiac|typo|code|out), expected codes joined by | or -, question"
    )
    parser.add_argument(
        "--stage",
        choices=STAGES + ("all",),
        default="hybrid",
        help="ranking stage to measure (all = each stage in turn)",
    )
    args = parser.parse_args(argv)
    rows = read_rows(args.file)
    kb = _load()
    print(f"embedder: {kb.status()['embedder']}")
    for stage in STAGES if args.stage == "all" else (args.stage,):
        print(evaluate(kb, rows, stage).report(f"{stage} ({len(rows)} questions)"))
    return 0
