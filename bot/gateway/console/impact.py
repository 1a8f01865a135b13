"""Confirmed questions and the impact check of the console: what a change would do before it is published.

A change is what a publish call sends ({"kind": "alias" | "short_title" | "import", ...}); it is applied to a
copy of the knowledge base by the very function that publishes it (bot/gateway/console/teach.py, kb_xlsx.import_xlsx)
and the copy is searched through knowledge_base.impact, next to the current one, in the gateway's impact
worker process (bot/gateway/console/impact_worker.py).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.console.service import MAX_ID, ConsoleError, ConsoleService, item_json
from bot.gateway.console.settings import ConsoleSettings
from bot.gateway.db import confirmed as cq
from bot.gateway.db.models import NOT_ANSWERABLE, OTHER_AGENCY, RESOLVED, ConfirmedQuestion, Turn, utcnow
from bot.gateway.db.repositories import InvalidValue, NotFound, audit, set_review_status
from bot.gateway.console.impact_worker import Edit, ImpactWorker, Refused, import_sheet
from knowledge_base.config import SearchSettings
from knowledge_base.impact import Impact, Question

RECENT_DAYS = 30
RECENT_MAX = 3000
IMPORT_MAX_BYTES = 5_000_000
KINDS = ("alias", "short_title", "import")
OUTCOME_LABELS = {OTHER_AGENCY: "Cơ quan khác", NOT_ANSWERABLE: "Không trả lời được"}


class Regressions(ConsoleError):
    """Publishing would answer confirmed questions wrongly and the staff member has not confirmed how many."""

    def __init__(self, impact: dict) -> None:
        n = len(impact["regressions"])
        super().__init__(
            409,
            f'{n} câu hỏi đã xác nhận sẽ bị trả lời sai; gửi "confirm_regressions": {n} để vẫn xuất bản',
            "confirm_regressions",
        )
        self.impact = impact


def confirmed_json(row: ConfirmedQuestion) -> dict:
    return {
        "id": row.id,
        "text": row.text,
        "expected": row.expected,
        "source": row.source,
        "created": row.created.isoformat(),
        "created_by": row.created_by,
    }


class ImpactService:
    def __init__(self, console: ConsoleService, runner=None) -> None:
        self.console = console
        self.sessions: sessionmaker[Session] = console.sessions
        self.settings: ConsoleSettings = console.settings
        # ImpactWorker (a process of its own) or impact_worker.InProcess; both take the same calls.
        self.runner = runner or ImpactWorker(self.settings.search, self.settings.kb_root, self.settings.impact_dir)

    def warm_later(self) -> None:
        """Answer today's questions in the worker now, so that the next check only ranks the proposed copy.
        With no question to check (a new database) there is nothing worth a process and a model yet."""
        questions = self._questions()
        if questions:
            self.runner.warm_later(questions)

    def close(self) -> None:
        self.runner.close()

    # --- confirmed questions ----------------------------------------------------------------------

    def confirmed(self) -> list[dict]:
        with self.sessions() as db:
            return [confirmed_json(row) for row in cq.list_all(db)]

    def confirmed_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "text", "expected", "expected_name", "source", "created", "created_by"])
        names = self._names()
        for row in self.confirmed():
            writer.writerow(
                [
                    row["id"],
                    row["text"],
                    row["expected"],
                    self._label(row["expected"], names),
                    row["source"],
                    row["created"],
                    row["created_by"] or "",
                ]
            )
        return out.getvalue()

    def confirm(self, *, db: Session, text: str, expected: str, source: str, by: str) -> ConfirmedQuestion:
        """In the caller's transaction: a link, FAQ answer or "not ours" and its confirmed question are one."""
        self._check_expected(expected)
        try:
            return cq.confirm(db, text=text, expected=expected, source=source, by=by)
        except InvalidValue as exc:
            raise ConsoleError(422, str(exc), "text") from exc

    def add(self, *, text: str, expected: str, by: str) -> dict:
        with self.sessions() as db:
            row = self.confirm(db=db, text=text, expected=expected, source="staff", by=by)
            audit(
                db,
                username=by,
                action="confirmed_add",
                target=f"confirmed:{row.id}",
                detail={"text": row.text, "expected": expected},
            )
            db.commit()
            return confirmed_json(row)

    def edit(self, *, confirmed_id: int, text: str | None, expected: str | None, by: str) -> dict:
        if expected is not None:
            self._check_expected(expected)
        with self.sessions() as db:
            try:
                row = cq.edit(db, confirmed_id=confirmed_id, text=text, expected=expected, by=by)
            except NotFound as exc:
                raise ConsoleError(404, str(exc)) from exc
            except InvalidValue as exc:
                raise ConsoleError(422, str(exc), "text") from exc
            audit(
                db,
                username=by,
                action="confirmed_edit",
                target=f"confirmed:{row.id}",
                detail={"text": row.text, "expected": row.expected},
            )
            db.commit()
            return confirmed_json(row)

    def remove(self, *, confirmed_id: int, by: str) -> dict:
        with self.sessions() as db:
            try:
                row = cq.remove(db, confirmed_id=confirmed_id)
            except NotFound as exc:
                raise ConsoleError(404, str(exc)) from exc
            audit(
                db,
                username=by,
                action="confirmed_delete",
                target=f"confirmed:{confirmed_id}",
                detail={"text": row.text, "expected": row.expected},
            )
            db.commit()
            return {"id": confirmed_id, "deleted": True}

    def not_ours(self, *, item_id: int, expected: str, by: str) -> dict:
        """Staff say the question is another agency's, or nothing the assistant can answer: confirmed so, and
        resolved (a later change that starts answering it with a procedure shows up as a regression)."""
        if expected not in (OTHER_AGENCY, NOT_ANSWERABLE):
            raise ConsoleError(422, f"expected must be {OTHER_AGENCY!r} or {NOT_ANSWERABLE!r}", "expected")
        with self.console.sessions() as db:
            item = self.console._item(db, item_id)
            set_review_status(db, item_id=item_id, status=RESOLVED, by=by, resolution=f"not ours: {expected}")
            cq.confirm(db, text=item.text, expected=expected, source="not_ours", by=by)
            audit(db, username=by, action="not_ours", target=f"review:{item_id}", detail={"expected": expected})
            db.commit()
            return item_json(item)

    def approve_helpful(self, *, turn_id: int, by: str) -> dict:
        """A question whose answer the citizen rated 👍, confirmed by staff as rightly answered."""
        with self.console.sessions() as db:
            turn = db.get(Turn, turn_id) if 0 < turn_id <= MAX_ID else None
            if turn is None:
                raise ConsoleError(404, f"no turn {turn_id}")
            if turn.feedback != "good" or not turn.procedure or turn.kind != "question":
                raise ConsoleError(
                    409, "only a question answered with a procedure and rated 👍 can be approved", "turn"
                )
            row = cq.confirm(db, text=turn.text, expected=turn.procedure, source="helpful", by=by)
            audit(
                db,
                username=by,
                action="approve_helpful",
                target=f"turn:{turn_id}",
                detail={"confirmed": row.id, "procedure": turn.procedure},
            )
            db.commit()
            return {
                "id": row.id,
                "text": row.text,
                "expected": row.expected,
                "source": row.source,
                "created": row.created.isoformat(),
            }

    def helpful(self) -> list[dict]:
        """Answers citizens rated 👍 in the last 90 days, for staff to approve as confirmed questions."""
        with self.sessions() as db:
            turns = cq.helpful_to_review(db, since=utcnow() - timedelta(days=90))
            return [{"turn_id": t.id, "text": t.text, "procedure": t.procedure, "at": t.at.isoformat()} for t in turns]

    def _check_expected(self, expected: str) -> None:
        if expected not in (OTHER_AGENCY, NOT_ANSWERABLE) and expected not in self._names():
            raise ConsoleError(
                422,
                f"expected must be a department procedure code, {OTHER_AGENCY!r} or "
                f"{NOT_ANSWERABLE!r}, got {expected!r}",
                "expected",
            )

    # --- impact check -----------------------------------------------------------------------------

    def check(self, change: dict) -> dict:
        edit = self._apply(change)
        # Errors of the change (unknown code, a title another procedure has, a bad sheet) read as when publishing.
        impact = self.runner.check(self._questions(), edit)
        if isinstance(impact, Refused):
            raise ConsoleError(impact.status, impact.message, impact.field)
        return self._named(impact)

    def _named(self, impact: Impact) -> dict:
        names = self._names()
        out = impact.to_dict()
        for key in ("changed", "regressions", "newly_answered"):
            out[key] = [
                {
                    **e,
                    "before_name": self._label(e["before"], names),
                    "after_name": self._label(e["after"], names),
                    **({"expected_name": self._label(e["expected"], names)} if "expected" in e else {}),
                }
                for e in out[key]
            ]
        out["summary"] = impact.summary()
        return out

    def check_model(self, proposed: SearchSettings) -> dict:
        """What another search model would answer for the same questions (the knowledge base unchanged)."""
        impact = self.runner.check(self._questions(), None, proposed)
        if isinstance(impact, Refused):
            raise ConsoleError(impact.status, impact.message, impact.field)
        return self._named(impact)

    def guard(self, change: dict, confirmed_count: int | None) -> dict:
        """The impact of a change about to be published; refuses (409) when it answers confirmed questions
        wrongly and the caller did not confirm exactly that many. Returns the summary for the audit log."""
        try:
            impact = self.check(change)
        except ConsoleError as exc:
            if exc.field and exc.field.startswith("change."):
                # The publish call named the field without the "change." of the impact call.
                raise ConsoleError(exc.status, exc.message.removeprefix("change."), exc.field[7:]) from exc
            raise
        regressions = len(impact["regressions"])
        if regressions and confirmed_count != regressions:
            raise Regressions(impact)
        return {**impact["summary"], "confirmed_regressions": confirmed_count or 0}

    def _questions(self) -> list[Question]:
        with self.sessions() as db:
            confirmed = [Question(row.text, row.expected) for row in cq.list_all(db)]
            recent = cq.recent_questions(db, since=utcnow() - timedelta(days=RECENT_DAYS), limit=RECENT_MAX)
        known = {q.text for q in confirmed}
        return confirmed + [Question(text) for text in recent if text not in known]

    def _apply(self, change: dict) -> Edit:
        """What makes ``change`` in a data folder; bad input is refused before any work."""
        kind = change.get("kind")
        if kind not in KINDS:
            raise ConsoleError(422, f"change.kind must be one of {', '.join(KINDS)}, got {kind!r}", "change.kind")
        if kind == "import":
            content = _decode(change.get("file"))
            return Edit("import", "", content)
        code = change.get("procedure")
        if not isinstance(code, str) or code not in self._names():
            raise ConsoleError(
                422, f"change.procedure must be a department procedure code, got {code!r}", "change.procedure"
            )
        if kind == "alias":
            text = change.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ConsoleError(422, "change.text must be the alias (a non-empty string)", "change.text")
            return Edit("alias", code, text)
        title = change.get("short_title")
        if not isinstance(title, str):
            raise ConsoleError(
                422, 'change.short_title must be a string ("" for the derived title)', "change.short_title"
            )
        return Edit("short_title", code, title)

    def publish_import(self, *, file: str, by: str, impact: dict) -> int:
        content = _decode(file)
        changed = ConsoleService._teach(import_sheet, self.settings.kb_root, content)
        with self.sessions() as db:
            audit(
                db,
                username=by,
                action="import",
                target="knowledge_base",
                detail={"files_changed": changed, "impact": impact},
            )
            db.commit()
        return changed

    def _names(self) -> dict[str, str]:
        return {p["code"]: p["short_title"] for p in self.console.procedure_list()}

    @staticmethod
    def _label(value: str, names: dict[str, str]) -> str:
        return OUTCOME_LABELS.get(value) or f"{names.get(value, '')} ({value})"


def _decode(file) -> bytes:
    if not isinstance(file, str) or not file:
        raise ConsoleError(422, "change.file must be the .xlsx file in base64", "change.file")
    try:
        content = base64.b64decode(file, validate=True)
    except (binascii.Error, ValueError):
        raise ConsoleError(422, "change.file is not valid base64", "change.file") from None
    if len(content) > IMPORT_MAX_BYTES:
        raise ConsoleError(413, f"change.file must be at most {IMPORT_MAX_BYTES} bytes", "change.file")
    if not content.startswith(b"PK"):
        raise ConsoleError(422, "change.file is not an .xlsx file (a zip archive)", "change.file")
    return content
