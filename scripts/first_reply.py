"""What a citizen gets as the first reply to each question of a batch, by the knowledge base's search path
(what `actions.procedures.answer_from_search` decides; Rasa's intent is not run).

    .venv/bin/python scripts/first_reply.py tests/data/agency_questions.tsv

Rows with id `oa-<matter>-NN` want a redirect to that matter's agency; the others want their expected code
answered at once (confident, or leading clearly). Prints each reply and the pass count.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.focus import clearly_other_agency  # noqa: E402
from knowledge_base.search_cli import read_rows  # noqa: E402
from knowledge_base.service import KnowledgeBase  # noqa: E402

CLARIFY_MIN_SCORE = 0.3
# The batch's short matter names → the directory's keys (knowledge_base/data/other_agencies.yml).
MATTERS = {"land": {"land_certificate"}, "res": {"residence"}, "drive": {"driving_licence"}, "tax": {"tax"},
           "civil": {"birth_registration", "marriage_registration", "death_registration"}, "id": {"id_card"},
           "biz": {"business_registration", "household_business"}, "plate": {"vehicle_registration"},
           "bhxh": {"social_insurance", "social_insurance_lump_sum"}}


def reply(kb: KnowledgeBase, text: str) -> tuple[str, str]:
    """(kind, detail): redirect/answer/siblings/choices/not_found, and the agency or code."""
    found = kb.search(text, 5)
    if found.other_agency is not None:
        return "redirect", f"{found.other_agency.key}: {found.other_agency.agency}"
    if not found.results:
        return "not_found", ""
    if (other := clearly_other_agency(found, text)) is not None:
        return "redirect", f"{other.code} {other.agency}"
    top = found.results[0]
    if found.confident and top.in_scope:
        if len(found.ambiguous_between) > 1:
            return "siblings", "|".join(found.ambiguous_between)
        return "answer", top.code
    choices = [h for h in found.results if h.in_scope and h.score >= CLARIFY_MIN_SCORE]
    if not choices:
        return "not_found", f"top {top.code} {'dept' if top.in_scope else top.agency}"
    if (found.leads and top.in_scope) or len(choices) == 1:
        return "answer", choices[0].code
    return "choices", "|".join(h.code for h in choices[:3])


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
