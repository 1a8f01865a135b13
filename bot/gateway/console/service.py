"""What the console does: the use cases behind the JSON API, each one audited.

Methods are synchronous (database and file work) and the router runs them in a worker thread; only the
reply to a citizen and the reload nudge are async because they talk to channels and the action server.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import threading
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway.console import auth, teach, why
from bot.gateway.console.settings import ConsoleSettings, password_problem
from bot.gateway.conversation.models import OutgoingMessage
from bot.gateway.conversation.outbox import ChannelUnavailable, Outbox
from bot.gateway.db import repositories as repo
from bot.gateway.db import stats
from bot.gateway.conversation.masking import mask_personal_data
from bot.gateway.db import confirmed
from bot.gateway.db.models import RESOLVED, ROLES, ReviewItem, StaffUser, Turn
from knowledge_base.store import disk

logger = logging.getLogger(__name__)
REPLY_MAX = 2000
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL


class ConsoleError(Exception):
    """A refusal the staff member can act on; becomes {"error", "field"} with ``status``."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


@dataclass(frozen=True)
class Login:
    token: str
    csrf_token: str
    user: StaffUser


def item_json(item: ReviewItem) -> dict:
    return {
        "id": item.id,
        "text": item.text,
        "reason": item.reason,
        "count": item.count,
        "status": item.status,
        "channel": item.channel,
        "last_seen": item.last_seen.isoformat(),
        "procedure": item.procedure,
        "confidence": item.confidence,
        "resolution": item.resolution,
    }


def turn_json(turn: Turn) -> dict:
    return {
        "id": turn.id,
        "at": turn.at.isoformat(),
        "channel": turn.channel,
        "text": turn.text,
        "status": turn.status,
        "procedure": turn.procedure,
        "confidence": turn.confidence,
        "feedback": turn.feedback,
    }


class ConsoleService:
    def __init__(
        self, sessions: sessionmaker[Session], settings: ConsoleSettings, outbox: Outbox, http: httpx.AsyncClient
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.outbox = outbox
        self.http = http
        self._names: tuple[str, dict[str, dict]] | None = None
        self._names_lock = threading.Lock()

    # --- accounts ---------------------------------------------------------------------------------

    def bootstrap(self) -> str:
        with self.sessions() as db:
            outcome = auth.ensure_first_admin(
                db, username=self.settings.admin_user, password=self.settings.admin_password
            )
            db.commit()
        return outcome

    def login(self, username: str, password: str, address: str = "unknown") -> Login:
        account_key, address_key = auth.throttle_keys(username, address)
        with self.sessions() as db:
            repo.delete_stale_login_attempts(db, window=auth.LOGIN_WINDOW)
            if not repo.take_login_attempt(db, key=address_key, limit=auth.ADDRESS_ATTEMPTS, window=auth.LOGIN_WINDOW):
                refused = "too many login attempts from this address; wait a few minutes"
            elif not repo.take_login_attempt(
                db, key=account_key, limit=auth.ACCOUNT_ATTEMPTS, window=auth.LOGIN_WINDOW
            ):
                refused = "too many failed logins for this user; wait a few minutes"
            else:
                refused = None
            if refused:
                repo.audit(db, username=username[:80], action="login_throttled", detail={"address": address})
            # The attempt is counted and visible to parallel attempts before the (slow) password check.
            db.commit()
            if refused:
                raise ConsoleError(429, refused)
            user = auth.authenticate(db, username=username, password=password)
            if user is None:
                repo.audit(db, username=username[:80], action="login_failed", detail={"address": address})
                db.commit()
                raise ConsoleError(401, "wrong user name or password")
            repo.forget_login_attempts(db, key=account_key)
            repo.give_back_login_attempt(db, key=address_key)
            token, csrf = auth.open_session(db, user=user, hours=self.settings.session_hours)
            repo.audit(db, username=user.username, action="login")
            db.commit()
        return Login(token, csrf, user)

    def session_for(self, token: str | None) -> repo.ActiveSession | None:
        if not token:
            return None
        with self.sessions() as db:
            return repo.find_session(db, token_hash=auth.token_hash(token))

    def logout(self, active: repo.ActiveSession) -> None:
        with self.sessions() as db:
            repo.delete_session(db, token_hash=active.token_hash)
            repo.audit(db, username=active.user.username, action="logout")
            db.commit()

    def users(self) -> list[dict]:
        with self.sessions() as db:
            return [self._user_json(u) for u in repo.list_users(db)]

    def create_user(self, *, username: str, password: str, role: str, by: str) -> dict:
        if role not in ROLES:
            raise ConsoleError(422, f"role must be one of {', '.join(ROLES)}", "role")
        problem = password_problem(password, username)
        if problem:
            raise ConsoleError(422, problem, "password")
        with self.sessions() as db:
            try:
                repo.create_user(db, username=username, password_hash=auth.hash_password(password), role=role)
            except repo.InvalidValue as exc:
                raise ConsoleError(409, str(exc), "username") from exc
            repo.audit(db, username=by, action="create_user", target=username, detail={"role": role})
            db.commit()
        return {"username": username, "role": role}

    def change_password(self, active: repo.ActiveSession, *, current: str, new: str) -> Login:
        """The staff member's own password; every session of the account ends, this browser gets a new one."""
        problem = password_problem(new, active.user.username)
        if problem:
            raise ConsoleError(422, problem, "new_password")
        with self.sessions() as db:
            user = repo.get_user(db, username=active.user.username)
            if user is None or not auth.verify_password(user.password_hash, current):
                repo.audit(db, username=active.user.username, action="change_password_failed")
                db.commit()
                raise ConsoleError(403, "current password is wrong", "current_password")
            repo.set_password_hash(db, user=user, password_hash=auth.hash_password(new))
            ended = repo.delete_sessions_of(db, user_id=user.id)
            token, csrf = auth.open_session(db, user=user, hours=self.settings.session_hours)
            repo.audit(
                db,
                username=user.username,
                action="change_password",
                target=user.username,
                detail={"sessions_ended": ended},
            )
            db.commit()
        return Login(token, csrf, user)

    def reset_password(self, *, username: str, password: str, by: str) -> dict:
        """An admin sets a new password (to hand over in person); the account's sessions end."""
        problem = password_problem(password, username)
        if problem:
            raise ConsoleError(422, problem, "password")
        with self.sessions() as db:
            user = self._user(db, username)
            repo.set_password_hash(db, user=user, password_hash=auth.hash_password(password))
            ended = repo.delete_sessions_of(db, user_id=user.id)
            repo.audit(db, username=by, action="reset_password", target=username, detail={"sessions_ended": ended})
            db.commit()
            return self._user_json(user)

    def set_active(self, *, username: str, active: bool, by: str) -> dict:
        if not active and username == by:
            raise ConsoleError(409, "you cannot disable your own account", "active")
        with self.sessions() as db:
            user = self._user(db, username)
            repo.set_active(db, user=user, active=active)
            ended = 0 if active else repo.delete_sessions_of(db, user_id=user.id)
            repo.audit(
                db,
                username=by,
                action="enable_user" if active else "disable_user",
                target=username,
                detail={"sessions_ended": ended} if ended else None,
            )
            db.commit()
            return self._user_json(user)

    @staticmethod
    def _user(db: Session, username: str) -> StaffUser:
        user = repo.get_user(db, username=username)
        if user is None:
            raise ConsoleError(404, f"no staff account {username!r}", "username")
        return user

    @staticmethod
    def _user_json(user: StaffUser) -> dict:
        return {
            "username": user.username,
            "role": user.role,
            "active": user.active,
            "created_at": user.created_at.isoformat(),
        }

    def audit_log(self, limit: int = 200) -> list[dict]:
        with self.sessions() as db:
            return [
                {
                    "at": e.at.isoformat(),
                    "username": e.username,
                    "action": e.action,
                    "target": e.target,
                    "detail": e.detail,
                }
                for e in repo.list_audit(db, limit=limit)
            ]

    # --- review queue -----------------------------------------------------------------------------

    def queue(self, status: str | None) -> list[dict]:
        with self.sessions() as db:
            try:
                return [item_json(item) for item in repo.list_queue(db, status=status)]
            except repo.InvalidValue as exc:
                raise ConsoleError(422, str(exc), "status") from exc

    def item(self, item_id: int) -> dict:
        with self.sessions() as db:
            item = self._item(db, item_id)
            try:
                names = self.procedure_names()
            except disk.KnowledgeBaseError:
                names = {}  # the group is still worth showing while the files are being fixed
            turns = repo.turns_of_item(db, item_id=item_id)
            return {
                **item_json(item),
                "procedure_name": names.get(item.procedure or ""),
                "turns": [{**turn_json(t), "why": why.explain(t, repo.procedure_before(db, t))} for t in turns],
            }

    def alias_text(self, item_id: int, text: str | None) -> str:
        """What linking the group adds: staff's edited text (masked like the citizen's own), else the question."""
        with self.sessions() as db:
            item = self._item(db, item_id)
            return mask_personal_data(text) if text is not None and text.strip() else item.text

    def link(self, *, item_id: int, code: str, text: str | None, by: str, impact: dict | None = None) -> dict:
        """The question becomes a paraphrase of ``code``: search finds it at the next reload (seconds),
        and the next training learns it from the NLU export. The question is confirmed as ``code``'s."""
        alias = self.alias_text(item_id, text)
        with self.sessions() as db:
            item = self._item(db, item_id)
            added = self._teach(teach.add_alias, self.settings.kb_root, code, alias)
            examples = self._teach(teach.export_nlu, self.settings.kb_root, self.settings.nlu_export)
            repo.set_review_status(db, item_id=item_id, status=RESOLVED, by=by, resolution=f"linked to {code}")
            confirmed.confirm(db, text=item.text, expected=code, source="link", by=by)
            repo.audit(
                db,
                username=by,
                action="link",
                target=f"review:{item_id}",
                detail={"procedure": code, "alias": alias, "new": added, "impact": impact},
            )
            db.commit()
            return {**item_json(item), "alias_added": added, "nlu_examples": examples}

    def answer(self, *, item_id: int, code: str, question: str | None, answer: str, by: str) -> dict:
        with self.sessions() as db:
            item = self._item(db, item_id)
            question = mask_personal_data(question) if question is not None and question.strip() else item.text
            added = self._teach(teach.add_faq, self.settings.kb_root, code, question, answer)
            repo.set_review_status(db, item_id=item_id, status=RESOLVED, by=by, resolution=f"FAQ answer in {code}")
            confirmed.confirm(db, text=item.text, expected=code, source="faq", by=by)
            repo.audit(
                db,
                username=by,
                action="faq",
                target=f"review:{item_id}",
                detail={"procedure": code, "question": question, "answer": answer, "new": added},
            )
            db.commit()
            return {**item_json(item), "faq_added": added}

    def set_status(self, *, item_id: int, status: str, by: str) -> dict:
        with self.sessions() as db:
            self._item(db, item_id)
            try:
                item = repo.set_review_status(db, item_id=item_id, status=status, by=by)
            except repo.InvalidValue as exc:
                raise ConsoleError(422, str(exc), "status") from exc
            repo.audit(db, username=by, action="status", target=f"review:{item_id}", detail={"status": status})
            db.commit()
            return item_json(item)

    def reply_target(self, item_id: int) -> tuple[str, str]:
        with self.sessions() as db:
            item = self._item(db, item_id)
            return item.channel, item.sender_id

    async def reply(self, *, item_id: int, text: str, by: str, run) -> dict:
        """Push a staff answer to the citizen who asked last. ``run`` runs the database parts in a thread."""
        text = text.strip()
        if not text:
            raise ConsoleError(422, "reply text must not be empty", "text")
        if len(text) > REPLY_MAX:
            raise ConsoleError(413, f"reply must be at most {REPLY_MAX} characters", "text")
        channel, sender = await run(self.reply_target, item_id)
        try:
            await self.outbox.push(channel, sender, [OutgoingMessage(text=text)])
        except ChannelUnavailable as exc:
            await run(self._audit, by, "reply_failed", f"review:{item_id}", {"channel": channel, "error": str(exc)})
            raise ConsoleError(409, f"không gửi được qua kênh {channel}: {exc}", "channel") from exc
        return await run(self._replied, item_id, text, channel, by)

    def _replied(self, item_id: int, text: str, channel: str, by: str) -> dict:
        with self.sessions() as db:
            item = repo.set_review_status(
                db, item_id=item_id, status=RESOLVED, by=by, resolution=f"replied on {channel}"
            )
            repo.audit(
                db, username=by, action="reply", target=f"review:{item_id}", detail={"channel": channel, "text": text}
            )
            db.commit()
            return item_json(item)

    def _audit(self, by: str, action: str, target: str, detail: dict) -> None:
        with self.sessions() as db:
            repo.audit(db, username=by, action=action, target=target, detail=detail)
            db.commit()

    def _item(self, db: Session, item_id: int) -> ReviewItem:
        if not 0 < item_id <= MAX_ID:
            # A larger number is no row of ours, and SQLite and PostgreSQL refuse to even compare with it.
            raise ConsoleError(404, f"no review item {item_id}")
        try:
            return repo.get_review_item(db, item_id)
        except repo.NotFound as exc:
            raise ConsoleError(404, str(exc)) from exc

    @staticmethod
    def _teach(fn, *args):
        try:
            return fn(*args)
        except teach.TeachError as exc:
            raise ConsoleError(422, str(exc), exc.field) from exc
        except disk.KnowledgeBaseError as exc:
            raise ConsoleError(
                503, "the knowledge base files are invalid; fix them first:\n" + "\n".join(exc.problems[:5])
            ) from exc
        except OSError as exc:
            logger.exception("console could not write the knowledge base or the NLU export")
            raise ConsoleError(
                500, f"could not write {getattr(exc, 'filename', None) or 'the file'}: {exc.strerror or exc}"
            ) from exc

    # --- knowledge base ---------------------------------------------------------------------------

    def procedure_names(self) -> dict[str, str]:
        return {code: entry["name"] for code, entry in self._procedures().items()}

    def _procedures(self) -> dict[str, dict]:
        root = self.settings.kb_root
        current = disk.content_hash(root)
        with self._names_lock:
            if self._names is None or self._names[0] != current:
                self._names = (
                    current,
                    {
                        p.code: {
                            "code": p.code,
                            "name": p.name,
                            "short_title": p.short_title,
                            "short_title_by_staff": p.short_title_by_staff,
                        }
                        for p in teach.procedures(root)
                    },
                )
            return self._names[1]

    def procedure_list(self) -> list[dict]:
        try:
            entries = self._procedures()
        except disk.KnowledgeBaseError as exc:
            raise ConsoleError(503, "the knowledge base files are invalid: " + "; ".join(exc.problems[:3])) from exc
        return [entries[code] for code in sorted(entries)]

    def set_short_title(self, *, code: str, text: str, by: str, impact: dict | None = None) -> dict:
        """The title answers and buttons show for ``code``; empty goes back to the derived one."""
        procedure = self._teach(teach.set_short_title, self.settings.kb_root, code, text)
        with self.sessions() as db:
            repo.audit(
                db,
                username=by,
                action="short_title",
                target=f"procedure:{code}",
                detail={
                    "short_title": procedure.short_title,
                    "by_staff": procedure.short_title_by_staff,
                    "impact": impact,
                },
            )
            db.commit()
        return {
            "code": procedure.code,
            "name": procedure.name,
            "short_title": procedure.short_title,
            "short_title_by_staff": procedure.short_title_by_staff,
        }

    async def nudge_reload(self) -> str:
        """Ask the action server to reload now rather than at its next check.

        'updated': it serves what was just written; 'pending': no admin token, it reloads at its next check;
        'failed': unreachable, refused, or still serving other data (e.g. the files it read were invalid).
        """
        if not self.settings.actions_admin_token:
            return "pending"
        written = await asyncio.to_thread(disk.content_hash, self.settings.kb_root)
        try:
            answer = await self.http.post(
                f"{self.settings.actions_url}/kb/reload",
                headers={"Authorization": f"Bearer {self.settings.actions_admin_token}"},
                timeout=self.settings.reload_wait_s,
            )
        except httpx.HTTPError as exc:
            logger.warning("knowledge-base reload request failed: %s", exc)
            return "failed"
        if answer.status_code != 200:
            logger.warning("knowledge-base reload refused: %s %s", answer.status_code, answer.text[:200])
            return "failed"
        try:
            served = answer.json().get("content_hash")
        except (ValueError, AttributeError):
            served = None
        if served == written or served == await asyncio.to_thread(disk.content_hash, self.settings.kb_root):
            return "updated"  # (the second: another edit landed meanwhile and is served too)
        logger.error("knowledge base not reloaded: the action server serves %s, the files are %s", served, written)
        return "failed"

    # --- dashboard --------------------------------------------------------------------------------

    def dashboard(self, days: int) -> dict:
        board = self._board(days)
        try:
            names = self.procedure_names()
        except disk.KnowledgeBaseError:
            names = {}
        totals = board.totals
        return {
            "start": board.start.isoformat(),
            "end": board.end.isoformat(),
            "days": [
                {
                    "day": d.day.isoformat(),
                    "questions": d.questions,
                    "answered": d.answered,
                    "answer_rate": d.answer_rate,
                    "online_guide": d.online_guide,
                    "feedback_good": d.feedback_good,
                    "feedback_bad": d.feedback_bad,
                }
                for d in board.days
            ],
            "totals": {
                "questions": totals.questions,
                "answered": totals.answered,
                "answer_rate": totals.answer_rate,
                "online_guide": totals.online_guide,
                "feedback_good": totals.feedback_good,
                "feedback_bad": totals.feedback_bad,
            },
            "procedures": [{"code": code, "name": names.get(code, ""), "count": n} for code, n in board.procedures],
            "channels": [{"channel": ch, "count": n} for ch, n in board.channels],
        }

    def dashboard_csv(self, days: int) -> str:
        data = self.dashboard(days)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["day", "questions", "answered", "answer_rate", "online_guide_clicks", "feedback_good", "feedback_bad"]
        )
        for d in data["days"]:
            writer.writerow(
                [
                    d["day"],
                    d["questions"],
                    d["answered"],
                    "" if d["answer_rate"] is None else d["answer_rate"],
                    d["online_guide"],
                    d["feedback_good"],
                    d["feedback_bad"],
                ]
            )
        writer.writerow([])
        writer.writerow(["procedure", "name", "answered"])
        for p in data["procedures"]:
            writer.writerow([p["code"], p["name"], p["count"]])
        writer.writerow([])
        writer.writerow(["channel", "questions"])
        for c in data["channels"]:
            writer.writerow([c["channel"], c["count"]])
        return out.getvalue()

    def _board(self, days: int) -> stats.Dashboard:
        if not 1 <= days <= stats.MAX_DAYS:
            raise ConsoleError(422, f"days must be between 1 and {stats.MAX_DAYS}", "days")
        with self.sessions() as db:
            return stats.dashboard(db, days=days)
