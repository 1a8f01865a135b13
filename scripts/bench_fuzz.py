"""Fuzz campaign over every public route of the gateway (fake Rasa, fake Telegram and Zalo APIs).

    .venv/bin/python scripts/bench_fuzz.py [--examples 10000] [--schema-examples 40] [--seed N]

Prints the inputs tried, the answers per route and every 5xx or forged webhook that got through; exits 1
when there was any. The inputs: unicode of every plane with lone surrogates, HTML/JS, 100 kB bodies,
slash-intent injection, malformed and deeply nested JSON, wrong types, forged signatures and secrets; then
schemathesis over every operation of /openapi.json (--schema-examples per operation).
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz.harness import FuzzStack, campaign  # noqa: E402
from tests.fuzz.schema_fuzz import schema_campaign  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--schema-examples", type=int, default=40, help="schemathesis examples per operation")
    parser.add_argument("--seed", type=int, default=None, help="default: a new random seed, printed")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    # The refusals are logged as warnings by design; thousands of them would hide the result.
    logging.disable(logging.WARNING)
    with FuzzStack() as stack:
        report = campaign(stack, args.examples, random_seed=seed)
        reached = sorted({sender.split(":")[0] for sender, _ in stack.rasa.app.state.received})
        by_schema = schema_campaign(stack, args.schema_examples)
    print(f"fuzz (seed {seed}): {report.summary()}")
    print(f"channels that reached the assistant: {', '.join(reached)}")
    print(f"schemathesis over /openapi.json: {by_schema.summary()}")
    failures = report.failures + by_schema.failures
    for failure in failures[:50]:
        print("FAIL", failure)
    print(
        f"total: {report.tried + by_schema.tried} inputs, {report.server_errors + by_schema.server_errors} answered 5xx"
    )
    return 1 if failures or report.server_errors or by_schema.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
