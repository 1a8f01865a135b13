"""`python -m bot impact-model`: what a new search model would answer, before it is deployed.

A search model is a deployment setting (KB_EMBEDDER, KB_EMBEDDER_MODEL), not a console edit, so the engineer
who deploys it runs this against the production database: the confirmed questions and the last 30 days of
citizens' questions are searched with the current and the proposed model side by side, as the console's
impact check does for an alias. It exits 1 when confirmed questions would be answered wrongly, unless
``--confirm-regressions`` names how many; the summary goes to the console's audit log either way.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import replace

from bot.gateway.console.impact import ImpactService
from bot.gateway.console.impact_worker import InProcess
from bot.gateway.console.service import ConsoleError, ConsoleService
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.db.repositories import audit
from knowledge_base.config import EMBEDDERS
from knowledge_base.impact import ImpactChecker

SHOWN = 20


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot impact-model", description=__doc__.splitlines()[0])
    p.add_argument("--embedder", choices=EMBEDDERS, required=True, help="the proposed KB_EMBEDDER")
    p.add_argument("--model", default="", help="the proposed KB_EMBEDDER_MODEL (a local folder)")
    p.add_argument("--prompts", choices=("yes", "no"), help="the proposed KB_EMBEDDER_PROMPTS (default: from the name)")
    p.add_argument("--confirm-regressions", type=int, help="deploy anyway: the number of regressions accepted")
    p.add_argument("--by", default=getpass.getuser(), help="who checks it, for the audit log")
    p.add_argument("--json", action="store_true", help="print the whole impact as JSON")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from bot.settings import get_settings

    settings = get_settings().console
    engine = create_db_engine(settings.database_url)
    migrate(engine)
    sessions = session_factory(engine)
    proposed = replace(
        settings.search,
        embedder=args.embedder,
        embedder_model=args.model or settings.search.embedder_model,
        embedder_prompts=None if args.prompts is None else args.prompts == "yes",
    )
    # Its own index folders: a running gateway's impact worker keeps its copy in impact_dir/current.
    checker = ImpactChecker(settings.search, settings.kb_root, settings.impact_dir / "model-check")
    service = ImpactService(ConsoleService(sessions, settings, None, None), InProcess(checker))
    try:
        impact = service.check_model(proposed)
        summary = {
            **impact["summary"],
            "model": f"{proposed.embedder}:{proposed.embedder_model}",
            "confirmed_regressions": args.confirm_regressions or 0,
        }
        with sessions() as db:
            audit(db, username=args.by, action="model_check", target="search_model", detail=summary)
            db.commit()
    except ConsoleError as exc:
        print(f"impact-model: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    regressions = impact["regressions"]
    if args.json:
        print(json.dumps(impact, ensure_ascii=False, indent=1))
    else:
        print(
            f"checked {impact['checked']} questions: {len(impact['changed'])} answers change, "
            f"{len(impact['newly_answered'])} newly answered, {len(regressions)} confirmed questions answered wrongly"
        )
        for entry in regressions[:SHOWN]:
            print(f"  regression: {entry['text']!r}: {entry['before_name']} -> {entry['after_name']}")
    if regressions and args.confirm_regressions != len(regressions):
        print(
            f"impact-model: {len(regressions)} confirmed questions would be answered wrongly; deploy only with "
            f"--confirm-regressions {len(regressions)}",
            file=sys.stderr,
        )
        return 1
    return 0
