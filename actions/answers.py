"""What each answer about one procedure says, as parts: the first part is what a phone shows at once, the
rest continues behind "Xem thêm" (see actions/paging.py). Pure functions of the knowledge base, so tests can
render every answer of every procedure.

Answers name a procedure by its short title and code; the full national name is said once, at the end of
the first answer (procedure summary).
"""

from __future__ import annotations

from actions import formatting, paging
from actions.texts import render
from knowledge_base.store import short_titles
from knowledge_base.store.models import DepartmentProfile, Procedure


def _url(procedure: Procedure, department: DepartmentProfile) -> str:
    return procedure.detail_url or department.national_portal


def fee_notes(procedure: Procedure, department: DepartmentProfile) -> list[str]:
    """Said once per answer: a doubtful published figure, a fee the province sets that we do not know."""
    statuses = formatting.fee_statuses(procedure)
    notes = []
    if "doubtful" in statuses:
        notes.append(render("fee_doubtful", code=procedure.code, url=_url(procedure, department)))
    if "province" in statuses and not procedure.local_fees:
        if department.provincial_fee_resolutions:
            notes.append(render("fee_local_resolution", resolutions="; ".join(department.provincial_fee_resolutions)))
        else:
            notes.append(render("fee_local_unknown", url=_url(procedure, department)))
    return notes


def summary(procedure: Procedure, department: DepartmentProfile, faq: int | None = None) -> list[str]:
    """``faq``: index of the staff answer that matched the question; it comes first."""
    staff = (
        [render("faq_answer", answer=procedure.faqs[faq].answer, question=procedure.faqs[faq].question)]
        if faq is not None and 0 <= faq < len(procedure.faqs)
        else []
    )
    parts = [
        *staff,
        render(
            "procedure_summary",
            title=procedure.short_title,
            code=procedure.code,
            authority=formatting.authority_line(procedure, department.name),
            channels=formatting.channels_block(procedure),
            url=_url(procedure, department),
        ),
        *fee_notes(procedure, department),
    ]
    if procedure.short_title not in (procedure.name, short_titles.cleaned(procedure.name)):
        parts.append(render("full_name", name=procedure.name))
    return parts


def fee(procedure: Procedure, department: DepartmentProfile) -> list[str]:
    return [
        render("fee", title=procedure.short_title, code=procedure.code, fees=formatting.fees_block(procedure)),
        *fee_notes(procedure, department),
        paging.BREAK,
        formatting.fees_detail(procedure),
    ]


def time(procedure: Procedure, department: DepartmentProfile) -> list[str]:
    return [
        render(
            "processing_time", title=procedure.short_title, code=procedure.code, times=formatting.times_block(procedure)
        ),
        paging.BREAK,
        formatting.times_detail(procedure),
    ]


def where(procedure: Procedure, department: DepartmentProfile) -> list[str]:
    parts = [
        render(
            "where",
            title=procedure.short_title,
            code=procedure.code,
            authority=formatting.authority_line(procedure, department.name),
        )
    ]
    if procedure.handled_at in ("province", "province_and_commune", "other"):
        if department.service_centre_address:
            hours = f" ({department.opening_hours})" if department.opening_hours else ""
            parts.append(render("address", address=department.service_centre_address, hours=hours))
        else:
            parts.append(render("address_unknown", portal=department.national_portal))
    return parts


def online(procedure: Procedure, department: DepartmentProfile) -> list[str]:
    channel = next((c for c in procedure.channels if c.kind == "online"), None)
    if channel is None:
        return [
            render(
                "online_no",
                title=procedure.short_title,
                code=procedure.code,
                channels=formatting.channels_block(procedure),
            ),
            *fee_notes(procedure, department),
        ]
    return [
        render("online_yes", title=procedure.short_title, code=procedure.code, time=formatting.channel_time(channel))
    ]


def asked(procedure: Procedure, department: DepartmentProfile, aspects: list[str]) -> list[str]:
    """Several aspects asked in one message, each in a line or two; the details of each behind "Xem thêm"."""
    lines = {
        "permit_needed": lambda: render("asked_permit", url=_url(procedure, department)),
        "documents": lambda: (
            render("asked_documents", count=len(procedure.documents[0].items))
            if len(procedure.documents) == 1
            else render("asked_documents_cases", cases=len(procedure.documents))
        ),
        "fee": lambda: render("asked_fee", fees=formatting.fees_block(procedure)),
        "time": lambda: render("asked_time", times=formatting.times_block(procedure)),
        "where": lambda: render("asked_where", authority=formatting.authority_line(procedure, department.name)),
        "online": lambda: online(procedure, department)[0],
    }
    parts = [render("asked_header", title=procedure.short_title, code=procedure.code)]
    parts += [lines[a]() for a in aspects if a in lines and (a != "documents" or procedure.documents)]
    if "fee" in aspects:
        parts += fee_notes(procedure, department)
    details = {"fee": formatting.fees_detail, "time": formatting.times_detail}
    return [*parts, paging.BREAK, *(details[a](procedure) for a in aspects if a in details)]


# Answer kinds that page by text; ActionMore renders the same parts again to show a later page.
KINDS = {"summary": summary, "fee": fee, "time": time, "where": where, "online": online, "asked": asked}


def parts(
    kind: str,
    procedure: Procedure,
    department: DepartmentProfile,
    faq: int | None = None,
    aspects: list[str] | None = None,
) -> list[str]:
    if kind == "summary":
        return summary(procedure, department, faq)
    if kind == "asked":
        return asked(procedure, department, list(aspects or []))
    return KINDS[kind](procedure, department)
