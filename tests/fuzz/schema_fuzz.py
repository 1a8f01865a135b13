"""Schema-driven fuzzing (schemathesis) of every operation in the gateway's /openapi.json.

Requests follow the declared bodies and parameters, with schemathesis' boundary and negative cases; they
carry a real admin session and widget session (logout is left out: it would end the admin session).
Counted into the same Report as the hand-written campaign.
"""

from __future__ import annotations

import time

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.fuzz.harness import FuzzStack, Report


def schema_campaign(stack: FuzzStack, examples_per_operation: int) -> Report:
    report = Report()
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(f"{stack.url}/openapi.json").exclude(path="/staff/api/logout")
    headers = {
        "Cookie": f"sxd_staff={stack.staff_cookie}",
        "X-CSRF-Token": stack.csrf,
        "X-Widget-Session": stack.widget_session,
    }
    for result in schema.get_all_operations():
        operation = result.ok()
        route = f"{operation.method.upper()} {operation.path}"

        @settings(
            max_examples=examples_per_operation,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=("explicit", "generate"),
        )
        @given(operation.as_strategy())
        def one(case) -> None:
            response = case.call(base_url=stack.url, headers=headers)
            report.tried += 1
            report.statuses[(route, response.status_code)] += 1
            if response.status_code >= 500 and operation.path != "/health":  # /health: 503 = not ready
                report.failures.append(f"{response.status_code} on {route}: {response.text[:200]}")

        one()
    report.seconds = time.monotonic() - started
    return report
