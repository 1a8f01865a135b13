"""The development questions (../shared/eval/dev.tsv) measure the assistant; none may be copied into it.

Seven words in a row from a question, found anywhere in the project's code, data or tests, is a copy (unless
the words are the wording of a national record itself, which the questions may quote).
"""

from __future__ import annotations

import csv
import re

from knowledge_base.text import fold
from tests.conftest import ROOT

RUN = 7
SEARCHED = ("knowledge_base", "actions", "bot", "nlu_data", "tests", "scripts")
SUFFIXES = {".py", ".yml", ".yaml", ".json", ".jsonl", ".tsv", ".md", ".txt", ".csv"}


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def test_no_evaluation_question_is_copied(shared_dir):
    national = _words(
        " ".join(
            p.read_text(errors="ignore") for p in (shared_dir / "data" / "national-tthc" / "bo-xay-dung").glob("*.json")
        )
    )
    project = {
        path: _words(path.read_text(errors="ignore"))
        for folder in SEARCHED
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in SUFFIXES
    }
    copies = []
    with open(shared_dir / "eval" / "dev.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            tokens = _words(row["question"]).split()
            for start in range(len(tokens) - RUN + 1):
                run = " ".join(tokens[start : start + RUN])
                where = [str(p.relative_to(ROOT)) for p, text in project.items() if run in text]
                if where and run not in national:
                    copies.append(f"{row['id']}: '{run}' in {where}")
                    break
    assert not copies, "evaluation questions copied into the project:\n" + "\n".join(copies)
