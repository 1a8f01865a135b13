"""`python -m bot COMMAND ...`: one entry point; each command lives with the package that owns its logic."""

from __future__ import annotations

import sys

USAGE = """usage: python -m bot COMMAND [ARGS]

commands:
  run                 start the whole assistant (Rasa, action server, gateway)
  index               load the knowledge base and build its search index if it is missing or stale
  train               train the Rasa model if no trained model matches its inputs (models/, by hash)
  kb ...              knowledge base: import-national, validate, show, export, import
  search ...          search the knowledge base (questions on stdin)
  eval FILE.tsv       measure search on a question file
  impact-model ...    what a new search model would answer for confirmed and recent questions
"""


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        from bot.supervisor.processes import run_main

        return run_main(rest)
    if command == "index":
        return _index()
    if command == "train":
        from bot.supervisor.training import ensure_model

        ensure_model(lambda msg: print(f"[train] {msg}", flush=True))
        return 0
    if command == "kb":
        from knowledge_base.kb_cli import kb_main

        return kb_main(rest)
    if command == "search":
        from knowledge_base.search_cli import search_main

        return search_main(rest)
    if command == "eval":
        from knowledge_base.search_cli import eval_main

        return eval_main(rest)
    if command == "impact-model":
        from bot.gateway.console.model_check import main as impact_model_main

        return impact_model_main(rest)
    print(f"unknown command: {command}\n\n{USAGE}", file=sys.stderr)
    return 2


def _index() -> int:
    from knowledge_base.service import KnowledgeBase
    from knowledge_base.store.disk import KnowledgeBaseError

    kb = KnowledgeBase.from_settings()
    try:
        kb.load(lambda msg: print(f"[index] {msg}", flush=True))
    except KnowledgeBaseError as exc:
        print(f"[index] the knowledge base is invalid:\n{exc}", file=sys.stderr)
        return 1
    print(f"[index] ready: {kb.status()}", flush=True)
    return 0
