"""What a citizen gets as the first reply to each question of a batch, by the knowledge base's search path
(what `actions.procedures.answer_from_search` decides; Rasa's intent is not run).

    .venv/bin/python scripts/first_reply.py tests/data/agency_questions.tsv

Rows with id `oa-<matter>-NN` want a redirect to that matter's agency; the others want their expected code
answered at once (confident, or leading clearly). Prints each reply and the pass count.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.procedures import answer_from_search  # noqa: E402
from knowledge_base.search_cli import read_rows  # noqa: E402
from knowledge_base.service import KnowledgeBase  # noqa: E402

# The batch's short matter names → the directory's keys (knowledge_base/data/other_agencies.yml).
MATTERS = {
    "land": {"land_certificate"},
    "res": {"residence"},
    "drive": {"driving_licence"},
    "tax": {"tax"},
    "civil": {"birth_registration", "marriage_registration", "death_registration"},
    "id": {"id_card"},
    "biz": {"business_registration", "household_business"},
    "plate": {"vehicle_registration"},
    "bhxh": {"social_insurance", "social_insurance_lump_sum"},
}


def reply(kb: KnowledgeBase, text: str) -> tuple[str, str]:
    """(kind, detail): redirect/answer/siblings/choices/not_found, and the matter, agency or code. The action's
    own decision (`answer_from_search`) is run and its turn report read, so this script never restates it."""
    dispatcher = CollectingDispatcher()
    asyncio.run(answer_from_search(dispatcher, kb, text))
    turn = next(m["custom"]["turn"] for m in dispatcher.messages if "turn" in (m.get("custom") or {}))
    status, code, reason = turn["status"], turn["procedure"] or "", turn["reason"] or ""
    if status == "out_of_scope":
        matter = re.search(r"matter \((\w+)\)", reason)
        return "redirect", f"{matter.group(1)}:" if matter else code
    if status == "answered":
        return "answer", code
    if status == "clarified":
        return ("siblings" if reason == "siblings" else "choices"), code
    return "not_found", reason


def main(path: str) -> int:
    kb = KnowledgeBase.from_settings()
    kb.load()
    passed = total = 0
    for row_id, _kind, expected, question in read_rows(path):
        kind, detail = reply(kb, question)
        if row_id.startswith("oa-"):
            # Before the directory the agency named was judged by reading the line; now by the matter's key.
            ok = kind == "redirect" and detail.split(":")[0] in MATTERS[row_id.split("-")[1]]
        else:
            wanted = set(expected.split("|"))
            ok = (kind == "answer" and detail in wanted) or (kind == "siblings" and detail.split("|")[0] in wanted)
        passed += ok
        total += 1
        print(f"{'ok ' if ok else 'BAD'} {row_id:12} {kind:9} {detail[:90]:90} {question[:70]}")
    print(f"passed {passed}/{total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
