"""A few hundred hostile requests over every public route: no 5xx, forged webhooks refused.

The 10,000-input campaign is `make fuzz` (scripts/bench_fuzz.py, also part of `make bench`).
"""

from __future__ import annotations

import pytest

from tests.fakes.servers import eventually
from tests.fuzz.harness import FuzzStack, campaign

EXAMPLES = 400


@pytest.fixture(scope="module")
def stack():
    with FuzzStack() as running:
        yield running


def test_hostile_requests_never_get_a_5xx_and_forged_webhooks_are_refused(stack):
    report = campaign(stack, EXAMPLES, random_seed=2026)
    print("\n" + report.summary())
    assert report.tried >= EXAMPLES * 0.95
    assert report.failures == [], report.failures[:5]
    assert report.server_errors == 0
    # The fuzz got past the refusals to the assistant (`make fuzz` reports every channel it reached).
    reached = eventually(
        lambda: (
            {sender.split(":")[0] for sender, _ in stack.rasa.app.state.received} >= {"api", "widget"}
            and {sender.split(":")[0] for sender, _ in stack.rasa.app.state.received}
        )
    )
    print(f"channels that reached the assistant: {sorted(reached)}")
