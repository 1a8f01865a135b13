"""Answers staff wrote for a procedure (its FAQ entries), matched against the citizen's question."""

from __future__ import annotations

from knowledge_base.store.models import FAQ, Procedure
from knowledge_base.text import fold, words

# Share of the words of the two questions they have in common. The search already chose the procedure, so
# this only has to tell this FAQ's question from the procedure's other questions.
MIN_OVERLAP = 0.6


def _words(text: str) -> set[str]:
    return set(words(fold(text)))


def matching_faq(procedure: Procedure, question: str) -> FAQ | None:
    asked = _words(question)
    best, best_score = None, 0.0
    for faq in procedure.faqs:
        known = _words(faq.question)
        if not asked or not known:
            continue
        score = len(asked & known) / len(asked | known)
        if score > best_score:
            best, best_score = faq, score
    return best if best_score >= MIN_OVERLAP else None
