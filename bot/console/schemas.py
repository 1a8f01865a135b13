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


class FaqIn(_Body):
    procedure: str = Field(min_length=1, max_length=16)
    question: str | None = Field(default=None, max_length=300)
    answer: str = Field(min_length=1, max_length=4000)


class ShortTitleIn(_Body):
    # Empty: back to the title derived from the national name.
    short_title: str = Field(default="", max_length=200)


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
