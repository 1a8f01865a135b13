"""The committed knowledge base on disk: read, validate, write.

Layout under ``root`` (default: ``knowledge_base/data`` beside this module)::

    procedures/<code>.yml   one department procedure per file (staff review these)
    catalogue.jsonl         other agencies' procedures, one JSON object per line
    department.yml          the department profile
    other_agencies.yml      other agencies' matters citizens bring here (optional; store/other_agencies.py)
    import-report.json      what the last national import did (not part of the served content)

Every problem is reported as ``file:line: field: what is wrong`` so staff can fix the file directly.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from knowledge_base.store import other_agencies
from knowledge_base.store.models import CatalogueEntry, DepartmentProfile, Procedure
from knowledge_base.text import fold

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "data"
PROCEDURES_DIR = "procedures"
CATALOGUE_FILE = "catalogue.jsonl"
DEPARTMENT_FILE = "department.yml"
REPORT_FILE = "import-report.json"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class KnowledgeBaseError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid knowledge base:\n" + "\n".join(problems))


@dataclass
class KnowledgeBaseData:
    procedures: dict[str, Procedure]
    catalogue: list[CatalogueEntry]
    department: DepartmentProfile
    content_hash: str
    root: Path = field(default=DEFAULT_ROOT)
    other_agencies: other_agencies.Directory = field(default_factory=other_agencies.Directory)

    def catalogue_by_code(self) -> dict[str, CatalogueEntry]:
        return {entry.code: entry for entry in self.catalogue}


def load_knowledge_base(root: Path | None = None) -> KnowledgeBaseData:
    """Load and validate everything; raise :class:`KnowledgeBaseError` listing every problem found."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    problems: list[str] = []
    if not root.is_dir():
        raise KnowledgeBaseError([f"{root}:0: root: knowledge base folder does not exist"])
    files = _Snapshot(root)
    procedures = _load_procedures(root, problems, files)
    catalogue = _load_catalogue(root, problems, files)
    department = _load_department(root, problems, files)
    directory = _load_other_agencies(root, problems, files, {entry.code for entry in catalogue})
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBaseData(procedures, catalogue, department, files.content_hash(), root, directory)


def content_hash(root: Path | None = None) -> str:
    """Hash of the served files' bytes; changes whenever staff edit anything the assistant uses."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    files = _Snapshot(root)
    for path in _content_files(root):
        files.raw(path)
    return files.content_hash()


class _Snapshot:
    """The served files, each read once. The hash is of the bytes that were parsed: an edit landing between
    parsing and hashing must look like a change at the next check, not be stored as already loaded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._bytes: dict[Path, bytes] = {}

    def raw(self, path: Path) -> bytes:
        if path not in self._bytes:
            self._bytes[path] = path.read_bytes()
        return self._bytes[path]

    def text(self, path: Path) -> str:
        return self.raw(path).decode("utf-8")

    def content_hash(self) -> str:
        order = {p: i for i, p in enumerate(_content_files(self.root))}
        digest = hashlib.sha256()
        # Files in _content_files order; one that appeared after parsing sorts last and is left out (it is
        # not in _bytes), so the next check sees a different hash.
        for path in sorted(self._bytes, key=lambda p: (order.get(p, len(order)), p.as_posix())):
            digest.update(path.relative_to(self.root).as_posix().encode())
            digest.update(b"\0")
            digest.update(self._bytes[path])
            digest.update(b"\0")
        return digest.hexdigest()


def _content_files(root: Path) -> list[Path]:
    files = sorted((root / PROCEDURES_DIR).glob("*.yml")) if (root / PROCEDURES_DIR).is_dir() else []
    return files + [
        p for p in (root / CATALOGUE_FILE, root / DEPARTMENT_FILE, root / other_agencies.FILE) if p.is_file()
    ]


# --- reading --------------------------------------------------------------------------------------


def _load_procedures(root: Path, problems: list[str], files: _Snapshot) -> dict[str, Procedure]:
    folder = root / PROCEDURES_DIR
    if not folder.is_dir():
        problems.append(f"{_rel(folder, root)}:0: procedures: folder is missing")
        return {}
    procedures: dict[str, Procedure] = {}
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        procedure = _load_yaml_model(path, root, Procedure, problems, files)
        if procedure is None:
            continue
        name = _rel(path, root)
        if procedure.code in seen:
            problems.append(
                f"{name}:{_line(path, ('code',))}: code: duplicate code {procedure.code} "
                f"(also in {seen[procedure.code]})"
            )
            continue
        if path.stem != procedure.code:
            problems.append(f"{name}:{_line(path, ('code',))}: code: {procedure.code} does not match file name")
        seen[procedure.code] = name
        procedures[procedure.code] = procedure
    _check_short_titles(procedures, root, problems)
    return procedures


def _check_short_titles(procedures: dict[str, Procedure], root: Path, problems: list[str]) -> None:
    """Buttons offer siblings by short title: two procedures with one title could not be told apart."""
    first: dict[str, str] = {}
    for code in sorted(procedures):
        key = fold(procedures[code].short_title)
        if key in first:
            path = root / PROCEDURES_DIR / f"{code}.yml"
            problems.append(
                f"{_rel(path, root)}:{_line(path, ('short_title',))}: short_title: same short title as "
                f"{first[key]} ({procedures[code].short_title!r})"
            )
        else:
            first[key] = code


_PARSED: dict[bytes, object] = {}
_PARSED_MAX = 4096


def _parse_yaml(raw: bytes):
    """Parsed YAML by the file's bytes. Every load of the knowledge base (and the impact check's proposed copy
    of it) re-reads hundreds of unchanged files; parsing them was most of a load. Only model validation reads
    the result, and it builds new objects, so one parsed value can serve every load."""
    key = hashlib.sha1(raw).digest()
    if key not in _PARSED:
        data = yaml.load(raw.decode("utf-8"), Loader=_Loader)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = data
    return _PARSED[key]


def _load_yaml_model(path: Path, root: Path, model: type[BaseModel], problems: list[str], files: _Snapshot):
    name = _rel(path, root)
    try:
        data = _parse_yaml(files.raw(path))
    except yaml.YAMLError as exc:
        problems.append(f"{name}:{yaml_error_text(exc)}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{name}:0: file: cannot read: {exc}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}:1: yaml: expected a mapping of fields, got {type(data).__name__}")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(f"{name}:{_line(path, loc)}: {_dotted(loc)}: {_message(error)}")
        return None


def yaml_error_text(exc: yaml.YAMLError) -> str:
    """``line: yaml: message``; the line is where yaml noticed, the context says where the construct began."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    message = getattr(exc, "problem", None) or str(exc)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        message += f" ({context} started at line {context_mark.line + 1})"
    return f"{mark.line + 1 if mark else 0}: yaml: malformed YAML: {message}"


def _load_catalogue(root: Path, problems: list[str], files: _Snapshot) -> list[CatalogueEntry]:
    path = root / CATALOGUE_FILE
    if not path.is_file():
        problems.append(f"{CATALOGUE_FILE}:0: catalogue: file is missing")
        return []
    entries: list[CatalogueEntry] = []
    seen: dict[str, int] = {}
    try:
        text = files.text(path)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{CATALOGUE_FILE}:0: file: cannot read: {exc}")
        return []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = CatalogueEntry.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"{CATALOGUE_FILE}:{number}: json: malformed JSON: {exc.msg} (column {exc.colno})")
            continue
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(f"{CATALOGUE_FILE}:{number}: {_dotted(tuple(error['loc']))}: {_message(error)}")
            continue
        if entry.code in seen:
            problems.append(
                f"{CATALOGUE_FILE}:{number}: code: duplicate code {entry.code} (also line {seen[entry.code]})"
            )
            continue
        seen[entry.code] = number
        entries.append(entry)
    return entries


def _load_department(root: Path, problems: list[str], files: _Snapshot) -> DepartmentProfile:
    path = root / DEPARTMENT_FILE
    if not path.is_file():
        problems.append(f"{DEPARTMENT_FILE}:0: department: file is missing")
        return DepartmentProfile()
    return _load_yaml_model(path, root, DepartmentProfile, problems, files) or DepartmentProfile()


def _load_other_agencies(
    root: Path, problems: list[str], files: _Snapshot, catalogue_codes: set[str]
) -> other_agencies.Directory:
    path = root / other_agencies.FILE
    if not path.is_file():
        return other_agencies.Directory()
    directory = _load_yaml_model(path, root, other_agencies.Directory, problems, files)
    if directory is None:
        return other_agencies.Directory()
    for loc, message in other_agencies.problems(directory, catalogue_codes):
        problems.append(f"{other_agencies.FILE}:{_line(path, loc)}: {_dotted(loc)}: {message}")
    return directory


# --- locating errors ------------------------------------------------------------------------------


def _line(path: Path, loc: tuple) -> int:
    """1-based line of the YAML node at ``loc`` (or its nearest existing parent), from yaml's node marks."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError:
        return 0
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    child, line = value, key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "record"


def _message(error: dict) -> str:
    if error["type"] == "missing":
        return "required field is missing"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "literal_error":
        return f"{error['msg'].lower()}, got {error.get('input')!r}"
    return error["msg"].removeprefix("Value error, ")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# --- writing --------------------------------------------------------------------------------------


class _BlockDumper(_Dumper):  # type: ignore[misc, valid-type]
    pass


def _str_presenter(dumper, value: str):
    # Multi-line texts (steps, notes) as literal blocks: reviewable diffs, line by line.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_presenter)


def procedure_to_yaml(procedure: Procedure) -> str:
    data = procedure.model_dump(mode="json", exclude={"handled_at"})
    return yaml.dump(data, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=110)


def department_to_yaml(department: DepartmentProfile) -> str:
    data = department.model_dump(mode="json")
    return yaml.dump(data, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=110)


def catalogue_to_jsonl(entries: list[CatalogueEntry]) -> str:
    return "".join(json.dumps(e.model_dump(mode="json"), ensure_ascii=False) + "\n" for e in entries)


def write_procedure(root: Path, procedure: Procedure) -> Path:
    path = Path(root) / PROCEDURES_DIR / f"{procedure.code}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(procedure_to_yaml(procedure), encoding="utf-8")
    return path


def publish(staging: Path, root: Path) -> None:
    """Replace ``root`` by the already validated ``staging`` folder (a sibling of ``root``)."""
    # Two renames: readers see the old or the new folder, never a half-written one; a reader that lands
    # between them gets a KnowledgeBaseError and keeps serving what it already has.
    old = root.parent / f".{root.name}-previous"
    if old.exists():
        shutil.rmtree(old)
    if root.exists():
        root.rename(old)
    staging.rename(root)
    shutil.rmtree(old, ignore_errors=True)
