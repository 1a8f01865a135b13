"""Teaching the assistant from the console: staff paraphrases (aliases), FAQ answers, the NLU export.

Everything goes through knowledge_base.store.disk: procedures are read with load_knowledge_base() and written
with procedure_to_yaml(), replacing the file atomically so the action server's reload (it watches the
content hash) never reads half a file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.gateway.files import write_atomic
from knowledge_base.store import disk, short_titles
from knowledge_base.store.models import FAQ, SHORT_TITLE_MAX, Procedure
from knowledge_base.text import fold, nfc

ALIAS_MAX = 300
ANSWER_MAX = 4000
# One writer at a time: two staff linking at once must not lose each other's alias.
_write_lock = threading.Lock()


class TeachError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def procedures(root: Path) -> list[Procedure]:
    return list(disk.load_knowledge_base(root).procedures.values())


def get_procedure(root: Path, code: str) -> Procedure:
    procedure = disk.load_knowledge_base(root).procedures.get(code)
    if procedure is None:
        raise TeachError(f"no department procedure with code {code!r}", "procedure")
    return procedure


def clean_text(text: str, field: str, limit: int) -> str:
    cleaned = nfc(text or "")
    if not cleaned:
        raise TeachError(f"{field} must not be empty", field)
    if len(cleaned) > limit:
        raise TeachError(f"{field} must be at most {limit} characters, got {len(cleaned)}", field)
    return cleaned


def add_alias(root: Path, code: str, text: str) -> bool:
    """Add ``text`` as a paraphrase of procedure ``code``; False when it was already one."""
    alias = clean_text(text, "text", ALIAS_MAX)
    with _write_lock:
        procedure = get_procedure(root, code)
        if any(fold(a) == fold(alias) for a in procedure.aliases):
            return False
        _save(root, procedure, aliases=[*procedure.aliases, alias])
    return True


def add_faq(root: Path, code: str, question: str, answer: str) -> bool:
    """Add a question/answer to ``code``; an existing entry for the same question gets the new answer.
    Returns True when the entry is new."""
    question = clean_text(question, "question", ALIAS_MAX)
    answer = clean_text(answer, "answer", ANSWER_MAX)
    with _write_lock:
        procedure = get_procedure(root, code)
        faqs = [faq for faq in procedure.faqs if fold(faq.question) != fold(question)]
        is_new = len(faqs) == len(procedure.faqs)
        _save(root, procedure, faqs=[*faqs, FAQ(question=question, answer=answer)])
    return is_new


def set_short_title(root: Path, code: str, text: str) -> Procedure:
    """Staff's short title for ``code`` (kept across re-imports); an empty text goes back to the derived one.
    Two procedures may not share a title: the buttons that offer siblings would read the same."""
    title = " ".join(nfc(text or "").split())
    if len(title) > SHORT_TITLE_MAX:
        raise TeachError(f"short_title must be at most {SHORT_TITLE_MAX} characters, got {len(title)}", "short_title")
    with _write_lock:
        everything = disk.load_knowledge_base(root).procedures
        procedure = everything.get(code)
        if procedure is None:
            raise TeachError(f"no department procedure with code {code!r}", "procedure")
        others = {fold(p.short_title): p.code for p in everything.values() if p.code != code}
        if title:
            changes = {"short_title": title, "short_title_by_staff": True}
        else:
            taken = {c: p.short_title for c, p in everything.items() if c != code}
            derived = short_titles.assign([(code, procedure.name, procedure.handled_at)], reserved=taken)[code]
            changes = {"short_title": derived, "short_title_by_staff": False}
        if fold(changes["short_title"]) in others:
            raise TeachError(
                f"procedure {others[fold(changes['short_title'])]} already has this short title", "short_title"
            )
        return _save(root, procedure, **changes)


def _save(root: Path, procedure: Procedure, **changes) -> Procedure:
    try:
        updated = Procedure.model_validate({**procedure.model_dump(exclude={"handled_at"}), **changes})
    except ValidationError as exc:
        raise TeachError(f"the change would make procedure {procedure.code} invalid: {exc}") from exc
    path = Path(root) / disk.PROCEDURES_DIR / f"{updated.code}.yml"
    write_atomically(path, disk.procedure_to_yaml(updated))
    return updated


def write_atomically(path: Path, content: str) -> None:
    write_atomic(path, content, mode=None)  # keeps the file's permissions: staff may read the NLU export


# --- NLU export ----------------------------------------------------------------------------------

NLU_HEADER = """\
# Generated by the staff console from the procedures' aliases (knowledge_base/data/procedures/*.yml):
# questions staff linked to a procedure. Do not edit by hand; link or remove aliases instead.
# Changing this file changes the model hash, so the next start retrains with these examples.
"""
_ENTITY_SYNTAX = str.maketrans({c: " " for c in "[](){}"})


def export_nlu(root: Path, target: Path) -> int:
    """Write every alias as an ``ask_procedure`` example; returns how many examples were written.

    Examples already present in another NLU file are left out: Rasa rejects an example under two intents
    and warns about duplicates.
    """
    taken = _existing_examples(target.parent, exclude=target)
    examples: dict[str, str] = {}
    for procedure in sorted(procedures(root), key=lambda p: p.code):
        for alias in procedure.aliases:
            example = " ".join(alias.translate(_ENTITY_SYNTAX).split())
            key = fold(example)
            if example and key not in taken and key not in examples:
                examples[key] = example
    body = {"version": "3.1", "nlu": []}
    if examples:
        lines = "".join(f"- {text}\n" for text in examples.values())
        body["nlu"].append({"intent": "ask_procedure", "examples": lines})
    content = NLU_HEADER + yaml.dump(body, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False, width=1000)
    if not target.exists() or target.read_text(encoding="utf-8") != content:
        write_atomically(target, content)
    return len(examples)


def _existing_examples(folder: Path, exclude: Path) -> set[str]:
    found: set[str] = set()
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        if path.resolve() == exclude.resolve():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, OSError):
            continue
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and isinstance(block.get("examples"), str):
                for line in block["examples"].splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        found.add(fold(line[2:].translate(_ENTITY_SYNTAX)).strip())
    return {" ".join(x.split()) for x in found}


class _LiteralDumper(yaml.SafeDumper):
    pass


_LiteralDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)
