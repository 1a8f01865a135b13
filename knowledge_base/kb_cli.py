"""`python -m bot kb ...`: maintain the knowledge base (import, validate, show, spreadsheet round trip)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from knowledge_base.store.disk import DEFAULT_ROOT, KnowledgeBaseError, load_knowledge_base


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot kb", description="Maintain the knowledge base.")
    parser.add_argument("--root", type=Path, default=None, help=f"knowledge base folder (default {DEFAULT_ROOT})")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-national", help="import the national records (DIR/<ministry>/<code>.json)")
    imp.add_argument("source", type=Path)
    sub.add_parser("validate", help="check every file; list problems as file:line: field: message")
    show = sub.add_parser("show", help="one procedure as the assistant uses it")
    show.add_argument("code")
    show.add_argument("--json", action="store_true", help="JSON output (the default and only format)")
    exp = sub.add_parser("export", help="write the staff spreadsheet")
    exp.add_argument("--xlsx", type=Path, required=True)
    xin = sub.add_parser("import", help="apply the staff spreadsheet")
    xin.add_argument("--xlsx", type=Path, required=True)
    return parser


def kb_main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except KnowledgeBaseError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        unchanged = "; the published knowledge base was not changed" if args.command.startswith("import") else ""
        print(f"{len(exc.problems)} problem(s){unchanged}.", file=sys.stderr)
        return 1


def _import_national(args) -> int:
    from knowledge_base.ingest.kb_import import NationalImportError, import_national

    try:
        report = import_national(args.source, args.root)
    except NationalImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    own = report["department"]
    print(
        f"{report['records_total']} records read; {own['imported_procedures']} department procedures "
        f"({own['records']} {own['ministry']} records, {own['ministry_level_only_to_catalogue']} ministry-only); "
        f"{report['catalogue_entries']} catalogue entries; all accounted for: {report['accounted_for']}"
    )
    print(f"by level: {json.dumps(own['by_levels'], ensure_ascii=False)}")
    print(f"unparsed (kept as published): {json.dumps(report['unparsed_by_field'])}")
    print(f"channel flags: {json.dumps(report['channel_flags'])}")
    return 0 if report["accounted_for"] else 1


def _validate(args) -> int:
    kb = load_knowledge_base(args.root)
    print(
        f"ok: {len(kb.procedures)} procedures, {len(kb.catalogue)} catalogue entries, "
        f"content hash {kb.content_hash[:12]}"
    )
    return 0


def _show(args) -> int:
    kb = load_knowledge_base(args.root)
    procedure = kb.procedures.get(args.code.strip())
    if procedure is None:
        entry = kb.catalogue_by_code().get(args.code.strip())
        where = (
            f" (it is in the catalogue of other agencies' procedures: {entry.agency or entry.ministry})"
            if entry
            else ""
        )
        print(f"error: no department procedure with code {args.code!r}{where}", file=sys.stderr)
        return 1
    print(json.dumps(procedure.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return 0


def _export(args) -> int:
    from knowledge_base.ingest.kb_xlsx import export_xlsx

    count = export_xlsx(args.xlsx, args.root)
    print(f"wrote {args.xlsx} ({count} procedures)")
    return 0


def _import_xlsx(args) -> int:
    from knowledge_base.ingest.kb_xlsx import import_xlsx

    changed = import_xlsx(args.xlsx, args.root)
    print(f"applied {args.xlsx}: {changed} file(s) changed")
    return 0


_COMMANDS = {
    "import-national": _import_national,
    "validate": _validate,
    "show": _show,
    "export": _export,
    "import": _import_xlsx,
}
