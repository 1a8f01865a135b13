"""Request bodies of the console's JSON API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LoginIn(_Body):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class LinkIn(_Body):
    procedure: str = Field(min_length=1, max_length=16)
    # What to add as the paraphrase; defaults to the question as the citizen asked it (masked).
    text: str | None = Field(default=None, max_length=300)
    # How many confirmed questions the staff member saw would be answered wrongly, and publishes anyway.
    confirm_regressions: int | None = Field(default=None, ge=0)


class FaqIn(_Body):
    procedure: str = Field(min_length=1, max_length=16)
    question: str | None = Field(default=None, max_length=300)
    answer: str = Field(min_length=1, max_length=4000)


class ShortTitleIn(_Body):
    # Empty: back to the title derived from the national name.
    short_title: str = Field(default="", max_length=200)
    confirm_regressions: int | None = Field(default=None, ge=0)


class ImpactIn(_Body):
    # What a publish call would send: {"kind": "alias", "procedure", "text"}, {"kind": "short_title",
    # "procedure", "short_title"} or {"kind": "import", "file": <base64 xlsx>}.
    change: dict


class ImportIn(_Body):
    file: str = Field(min_length=1)
    confirm_regressions: int | None = Field(default=None, ge=0)


class ConfirmedIn(_Body):
    text: str = Field(min_length=1, max_length=300)
    # A department procedure's code, "other_agency" or "not_answerable".
    expected: str = Field(min_length=1, max_length=16)


class ConfirmedEditIn(_Body):
    text: str | None = Field(default=None, min_length=1, max_length=300)
    expected: str | None = Field(default=None, min_length=1, max_length=16)


class NotOursIn(_Body):
    expected: str = Field(pattern=r"^(other_agency|not_answerable)$")


class ReplyIn(_Body):
    text: str = Field(min_length=1, max_length=2000)


class StatusIn(_Body):
    status: str


class UserIn(_Body):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[\w.@-]+$")
    password: str = Field(min_length=1, max_length=200)
    role: str = "staff"


class PasswordChangeIn(_Body):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class PasswordResetIn(_Body):
    password: str = Field(min_length=1, max_length=200)


class ActiveIn(_Body):
    active: StrictBool
