"""Import the national records into the knowledge base, atomically and keeping staff additions.

The new knowledge base is built in a temporary folder beside the published one, validated with the same
loader the assistant uses, and only then swapped in: a failed import leaves the published files untouched.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from knowledge_base.store import short_titles
from knowledge_base.store.models import DEPARTMENT_FIELDS, LEVEL_MINISTRY, CatalogueEntry, DepartmentProfile, Procedure
from knowledge_base.ingest.national import DATA_DATE, catalogue_entry, parse_record
from knowledge_base.store.disk import (
    CATALOGUE_FILE,
    DEFAULT_ROOT,
    DEPARTMENT_FILE,
    PROCEDURES_DIR,
    REPORT_FILE,
    KnowledgeBaseError,
    yaml_error_text,
    catalogue_to_jsonl,
    department_to_yaml,
    load_knowledge_base,
    publish,
    write_procedure,
)

DEPARTMENT_MINISTRY = "bo-xay-dung"
STATUS_LOOKUP = (
    "Tra cứu tình trạng hồ sơ bằng mã hồ sơ (mã biên nhận, dạng <mã đơn vị>.H<mã tỉnh>-<yymmdd>-<số thứ tự>) "
    "trên Cổng Dịch vụ công quốc gia https://dichvucong.gov.vn; đăng nhập (VNeID mức 2) để xem chi tiết tiến "
    "trình và tệp kết quả."
)


class NationalImportError(Exception):
    """The import could not run; the published knowledge base was not changed."""


def is_department_record(ministry: str, levels: list[str]) -> bool:
    """Construction procedures the province handles: anything not at ministry level only."""
    return ministry == DEPARTMENT_MINISTRY and any(level != LEVEL_MINISTRY for level in levels)


def import_national(source: Path, root: Path | None = None) -> dict:
    source, root = Path(source), Path(root) if root is not None else DEFAULT_ROOT
    records = _read_records(source)
    additions = _existing_additions(root)
    procedures, catalogue, report = _convert(records, additions)
    report["source"] = str(source)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-import-", dir=root.parent))
    try:
        for procedure in procedures:
            write_procedure(staging, procedure)
        (staging / CATALOGUE_FILE).write_text(catalogue_to_jsonl(catalogue), encoding="utf-8")
        _carry_over_staff_files(root, staging)
        if not (staging / DEPARTMENT_FILE).is_file():
            profile = DepartmentProfile(status_lookup=STATUS_LOOKUP)
            (staging / DEPARTMENT_FILE).write_text(department_to_yaml(profile), encoding="utf-8")
        (staging / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        load_knowledge_base(staging)
        publish(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _carry_over_staff_files(root: Path, staging: Path) -> None:
    """Files the import does not generate (the department profile, notes) belong to staff: keep them."""
    generated = {PROCEDURES_DIR, CATALOGUE_FILE, REPORT_FILE}
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        if path.name in generated:
            continue
        if path.is_dir():
            shutil.copytree(path, staging / path.name)
        else:
            shutil.copy2(path, staging / path.name)


def _read_records(source: Path) -> list[tuple[str, Path, dict]]:
    if not source.is_dir():
        raise NationalImportError(f"{source}: not a folder of national records")
    records = []
    problems = []
    for path in sorted(source.glob("*/*.json")):
        try:
            records.append((path.parent.name, path, json.loads(path.read_text(encoding="utf-8"))))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{exc.lineno}: json: malformed JSON: {exc.msg} (column {exc.colno})")
        except UnicodeDecodeError as exc:
            problems.append(f"{path}:0: file: not UTF-8: {exc}")
    if problems:
        raise KnowledgeBaseError(problems)
    if not records:
        raise NationalImportError(f"{source}: no <ministry>/<code>.json records found")
    return records


def _existing_additions(root: Path) -> dict[str, dict]:
    """Department additions in the published files; an unreadable file stops the import (never lose them)."""
    folder = root / PROCEDURES_DIR
    additions: dict[str, dict] = {}
    problems = []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            problems.append(
                f"{PROCEDURES_DIR}/{path.name}:{yaml_error_text(exc)}; fix it before re-importing "
                "so its department additions are not lost"
            )
            continue
        if not isinstance(data, dict):
            problems.append(f"{PROCEDURES_DIR}/{path.name}:1: yaml: expected a mapping of fields")
            continue
        code = str(data.get("code") or path.stem)
        kept = {k: data[k] for k in DEPARTMENT_FIELDS if data.get(k) not in (None, [], "", "unknown")}
        if data.get("short_title_by_staff") and data.get("short_title"):
            # A title staff chose is theirs; a derived one is derived again (the derivation may improve).
            kept.update(short_title=data["short_title"], short_title_by_staff=True)
        if kept:
            additions[code] = kept
    if problems:
        raise KnowledgeBaseError(problems)
    return additions


def _convert(records, additions: dict[str, dict]) -> tuple[list[Procedure], list[CatalogueEntry], dict]:
    procedures: list[Procedure] = []
    catalogue: list[CatalogueEntry] = []
    by_ministry: Counter = Counter()
    seen: dict[str, str] = {}
    duplicates, failures = [], []
    parse_check: dict = {"parsed": 0, "failed": {}, "unparsed_by_field": Counter()}
    for ministry, path, record in records:
        by_ministry[ministry] += 1
        code = str(record.get("ma_thu_tuc", "")).strip()
        if code in seen:
            duplicates.append({"code": code, "file": str(path), "first": seen[code]})
            continue
        seen[code] = str(path)
        try:
            entry = catalogue_entry(record, ministry)
            if is_department_record(ministry, entry.levels):
                procedure = parse_record(record, ministry)
                if code in additions:
                    procedure = Procedure.model_validate(
                        {**procedure.model_dump(exclude={"handled_at"}), **additions.pop(code)}
                    )
                procedures.append(procedure)
            else:
                catalogue.append(entry)
                _check_parse(record, ministry, parse_check)
        except Exception as exc:  # noqa: BLE001 - one bad record must be reported, not abort the batch silently
            failures.append({"code": code, "file": str(path), "error": str(exc)[:500]})
    if failures or duplicates:
        raise KnowledgeBaseError(
            [f"{f['file']}:0: record: cannot import: {f['error']}" for f in failures]
            + [f"{d['file']}:0: code: duplicate national code {d['code']} (first in {d['first']})" for d in duplicates]
        )
    procedures = _with_short_titles(procedures)
    report = _report(records, procedures, catalogue, by_ministry)
    report["orphaned_department_additions"] = sorted(additions)  # codes gone from the national data
    for procedure in procedures:
        parse_check["parsed"] += 1
        parse_check["unparsed_by_field"].update(procedure.unparsed.keys())
    report["parser_on_all_records"] = {
        "parsed": parse_check["parsed"],
        "failed": parse_check["failed"],
        "unparsed_by_field": dict(sorted(parse_check["unparsed_by_field"].items())),
    }
    return procedures, catalogue, report


def _with_short_titles(procedures: list[Procedure]) -> list[Procedure]:
    """Derived titles distinct from each other and from the ones staff chose."""
    staff = {p.code: p.short_title for p in procedures if p.short_title_by_staff}
    titles = short_titles.assign([(p.code, p.name, p.handled_at) for p in procedures], reserved=staff)
    return [p if p.short_title_by_staff else p.model_copy(update={"short_title": titles[p.code]}) for p in procedures]


def _check_parse(record: dict, ministry: str, check: dict) -> None:
    """Parse catalogue records too (not stored): the parser's health on the whole national data set."""
    try:
        procedure = parse_record(record, ministry)
    except Exception as exc:  # noqa: BLE001 - catalogue entries do not need the full parse
        check["failed"][str(record.get("ma_thu_tuc"))] = str(exc)[:300]
        return
    check["parsed"] += 1
    check["unparsed_by_field"].update(procedure.unparsed.keys())


def _report(records, procedures: list[Procedure], catalogue: list[CatalogueEntry], by_ministry: Counter) -> dict:
    unparsed: dict[str, list[str]] = defaultdict(list)
    flags: dict[str, set[str]] = defaultdict(set)
    for procedure in procedures:
        for name in procedure.unparsed:
            unparsed[name].append(procedure.code)
        for channel in procedure.channels:
            for flag in channel.flags:
                flags[flag].add(procedure.code)
    own_total = by_ministry[DEPARTMENT_MINISTRY]
    own_catalogued = sum(1 for e in catalogue if e.ministry == DEPARTMENT_MINISTRY)
    return {
        "data_date": DATA_DATE.isoformat(),
        "records_total": len(records),
        "records_by_ministry": dict(sorted(by_ministry.items())),
        "department": {
            "ministry": DEPARTMENT_MINISTRY,
            "records": own_total,
            "imported_procedures": len(procedures),
            "ministry_level_only_to_catalogue": own_catalogued,
            "accounted_for": len(procedures) + own_catalogued == own_total,
            "by_levels": dict(Counter(", ".join(p.levels) for p in procedures).most_common()),
            "by_level": dict(Counter(level for p in procedures for level in p.levels).most_common()),
            "by_handled_at": dict(Counter(p.handled_at for p in procedures).most_common()),
            "by_field": dict(Counter(p.field for p in procedures).most_common()),
        },
        "catalogue_entries": len(catalogue),
        "accounted_for": len(procedures) + len(catalogue) == len(records),
        "unparsed_by_field": {name: len(codes) for name, codes in sorted(unparsed.items())},
        "unparsed_codes": {name: sorted(codes) for name, codes in sorted(unparsed.items())},
        "channel_flags": {flag: len(codes) for flag, codes in sorted(flags.items())},
        "channel_flag_codes": {flag: sorted(codes) for flag, codes in sorted(flags.items())},
        "without_result_code": sorted(p.code for p in procedures if not p.result_codes),
        "without_channels": sorted(p.code for p in procedures if not p.channels),
        "without_documents": sorted(p.code for p in procedures if not p.documents),
        "without_where_to_file": len([p for p in procedures if not p.where_to_file]),
    }
