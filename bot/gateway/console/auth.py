"""Staff authentication: argon2 password hashes, server-side sessions in an HttpOnly cookie, CSRF tokens.

The cookie holds a random token; the database keeps only its SHA-256, together with the session's CSRF
token. The page gets the CSRF token from the login answer (or GET /staff/api/me) and sends it back as
X-CSRF-Token on every state-changing call; a cross-site form post cannot read it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from bot.gateway.db import repositories as repo
from bot.gateway.db.models import ADMIN, StaffUser

COOKIE = "sxd_staff"
CSRF_HEADER = "X-CSRF-Token"
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(db: Session, *, username: str, password: str) -> StaffUser | None:
    user = repo.get_user(db, username=username)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def open_session(db: Session, *, user: StaffUser, hours: float) -> tuple[str, str]:
    """A new session for ``user``: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    repo.delete_expired_sessions(db)
    repo.create_session(db, user=user, token_hash=token_hash(token), csrf_token=csrf, lifetime=timedelta(hours=hours))
    return token, csrf


def csrf_matches(expected: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(expected.encode(), sent.encode())


def is_admin(user: StaffUser) -> bool:
    return user.role == ADMIN


def ensure_first_admin(db: Session, *, username: str, password: str) -> str:
    """Create the first admin from BOT_ADMIN_USER / BOT_ADMIN_PASSWORD when there is no account yet.

    Returns what happened, for the start-up log. Later starts never touch existing accounts, so changing
    the variables cannot reset a password someone already changed.
    """
    from bot.gateway.console.settings import password_problem

    if repo.count_users(db):
        return "staff accounts exist; BOT_ADMIN_USER is not used"
    if not username or not password:
        return "no staff account yet: set BOT_ADMIN_USER and BOT_ADMIN_PASSWORD to create the first admin"
    problem = password_problem(password, username)
    if problem:
        return f"first admin not created: BOT_ADMIN_PASSWORD rejected ({problem})"
    repo.create_user(db, username=username, password_hash=hash_password(password), role=ADMIN)
    repo.audit(db, username="system", action="create_first_admin", target=username)
    return f"first admin {username!r} created from BOT_ADMIN_USER"


# Login attempts allowed per window: per account (slows guessing one password) and per client address
# (slows trying many names from one place). Counted in the database, see repositories.take_login_attempt.
LOGIN_WINDOW = timedelta(minutes=5)
ACCOUNT_ATTEMPTS = 5
ADDRESS_ATTEMPTS = 20


def throttle_keys(username: str, address: str) -> tuple[str, str]:
    return f"user:{username.strip().lower()[:80]}", f"addr:{address[:100]}"
