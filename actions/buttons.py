"""Button payloads the actions offer. Payloads carry entities so a tap never depends on re-running NLU."""

from __future__ import annotations

import json

from actions.formatting import short_title


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


def choose_procedure(code: str, name: str, title: str | None = None) -> dict:
    """A button naming a procedure by `title`, else its short title (staff may have edited it), else the name
    cut."""
    from actions.deps import knowledge_base  # late: deps builds the knowledge base on first use

    if title is None:
        kb = knowledge_base()
        procedure = kb.get(code) if kb.ready else None
        title = procedure.short_title if procedure is not None else short_title(name)
    return {"title": title, "payload": payload("ask_procedure", procedure_code=code)}


def feedback() -> list[dict]:
    return [
        {"title": "👍 Hữu ích", "payload": payload("feedback", value="good")},
        {"title": "👎 Chưa đúng", "payload": payload("feedback", value="bad")},
    ]


def aspects(has_online: bool) -> list[dict]:
    buttons = [
        {"title": "Giấy tờ cần có", "payload": payload("ask_documents")},
        {"title": "Lệ phí", "payload": payload("ask_fee")},
        {"title": "Thời gian", "payload": payload("ask_processing_time")},
        {"title": "Nộp ở đâu", "payload": payload("ask_where_to_submit")},
    ]
    if has_online:
        buttons.append({"title": "Nộp trực tuyến", "payload": payload("ask_online_submission")})
    return buttons


def help_options() -> list[dict]:
    return [
        {"title": "Danh mục thủ tục", "payload": payload("show_menu")},
        {"title": "Gặp cán bộ", "payload": payload("human_handoff")},
    ]
