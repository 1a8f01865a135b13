"""Every operation of /openapi.json fuzzed from its schema (schemathesis): no 5xx."""

from __future__ import annotations

import pytest

from tests.fuzz.harness import FuzzStack
from tests.fuzz.schema_fuzz import schema_campaign


@pytest.fixture(scope="module")
def stack():
    with FuzzStack() as running:
        yield running


def test_no_operation_answers_5xx(stack):
    report = schema_campaign(stack, examples_per_operation=8)
    print("\n" + report.summary())
    assert report.failures == [] and report.server_errors == 0
    assert report.tried >= 100
