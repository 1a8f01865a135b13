"""Fuzz campaign over every public route of the gateway (fake Rasa, fake Telegram and Zalo APIs).

    .venv/bin/python scripts/bench_fuzz.py [--examples 10000] [--seed N]

Prints the inputs tried, the answers per route and every 5xx or forged webhook that got through; exits 1
when there was any. The inputs: unicode of every plane with lone surrogates, HTML/JS, 100 kB bodies,
slash-intent injection, malformed and deeply nested JSON, wrong types, forged signatures and secrets.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="default: a new random seed, printed")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    # The refusals are logged as warnings by design; thousands of them would hide the result.
    logging.disable(logging.WARNING)
    with FuzzStack() as stack:
        report = campaign(stack, args.examples, random_seed=seed)
        reached = sorted({sender.split(":")[0] for sender, _ in stack.rasa.app.state.received})
    print(f"fuzz (seed {seed}): {report.summary()}")
    print(f"channels that reached the assistant: {', '.join(reached)}")
    for failure in report.failures[:50]:
        print("FAIL", failure)
    return 1 if report.failures or report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
