"""The decision staff read in the review queue, from what a turn record holds."""

from __future__ import annotations

import pytest

from bot.gateway.console.why import decision
from bot.gateway.db.models import Turn


@pytest.mark.parametrize(
    ("text", "status", "procedure", "reason", "previous", "expected"),
    [
        ("/affirm", "answered", "1.013225", None, "1.013225", "offer"),
        ("nộp ở đâu", "answered", "1.013225", None, "1.013225", "focus"),
        ("xin phép xây nhà", "answered", "1.013225", None, None, "new"),
        ("đăng ký thuế", "out_of_scope", "1.001234", "another agency's procedure", None, "other_agency"),
        # a directory matter without a national code is still another agency's, not small talk
        (
            "rút bảo hiểm xã hội",
            "out_of_scope",
            None,
            "another agency's matter (social_insurance)",
            None,
            "other_agency",
        ),
        ("thời tiết hôm nay", "out_of_scope", None, "not an administrative procedure", None, "chat"),
        ("asdf", "fallback", None, None, None, "fallback"),
    ],
)
def test_the_decision_shown_to_staff(text, status, procedure, reason, previous, expected):
    turn = Turn(text=text, status=status, procedure=procedure, reason=reason)
    assert decision(turn, previous) == expected
