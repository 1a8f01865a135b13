"""The one reader of the process environment: every settings section parses its variables through `Env`.

It lives in the knowledge base, the lowest layer, because the action server and the knowledge-base tools must
read settings without importing the gateway (bot/settings.py composes the sections for the gateway and the
supervisor; actions/settings.py for the action server). Each process takes one snapshot when it starts
(`Env.from_process`) and builds its settings object from it; nothing else reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENVIRONMENTS = ("production", "development")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
# Values that mean "someone still has to set this": accepted only with ENVIRONMENT=development.
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "changeit",
        "replace-me",
        "replaceme",
        "placeholder",
        "secret",
        "token",
        "password",
        "passwd",
        "admin",
        "default",
        "example",
        "xxx",
        "xxxx",
        "todo",
        "tbd",
        "none",
        "null",
        "12345678",
        "123456789",
        "matkhau",
        "password1",
        "admin123",
        "admin1234",
        "your-token",
        "your-secret",
        "your_token",
        "your_secret",
        "test",
        "dev",
    }
)


class SettingError(SystemExit, ValueError):
    """A setting with a value the process cannot run with. A SystemExit, so a process that meets one at start
    stops with the message alone; a ValueError, so callers that validate values can catch it as one."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"setting {name}: {problem}")
        self.name = name


class Env:
    """A snapshot of variables with one parser per kind of value; a blank value counts as unset."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})

    @classmethod
    def from_process(cls, overrides: Mapping[str, str] | None = None) -> "Env":
        return cls({**os.environ, **(overrides or {})})

    @classmethod
    def of(cls, env: "Env | Mapping[str, str] | None") -> "Env":
        """`env` as an Env; None: this process's environment (a settings section built on its own)."""
        if isinstance(env, Env):
            return env
        return cls.from_process() if env is None else cls(env)

    def raw(self, name: str) -> str | None:
        value = self._values.get(name)
        return value if value is not None and value.strip() else None

    def text(self, name: str, default: str = "", *, strip: bool = True) -> str:
        value = self.raw(name)
        if value is None:
            return default
        return value.strip() if strip else value

    def integer(self, name: str, default: int, low: int | None = None) -> int:
        value = self.raw(name)
        try:
            number = int(value) if value is not None else default
        except ValueError:
            raise SettingError(name, f"expected a whole number, got {value!r}") from None
        if low is not None and number < low:
            raise SettingError(name, f"expected {low} or more, got {number}")
        return number

    def number(self, name: str, default: float, low: float | None = None, high: float | None = None) -> float:
        value = self.raw(name)
        try:
            number = float(value) if value is not None else default
        except ValueError:
            raise SettingError(name, f"expected a number, got {value!r}") from None
        if high is not None and low is not None and not low <= number <= high:
            raise SettingError(name, f"expected a number between {low:g} and {high:g}, got {number:g}")
        if low is not None and number < low:
            raise SettingError(name, f"expected {low:g} or more, got {number:g}")
        return number

    def flag(self, name: str, default: bool | None) -> bool | None:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise SettingError(name, f"expected on or off (1/0, true/false, yes/no), got {value!r}")

    def items(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A comma-separated list, each entry stripped, empty entries dropped."""
        value = self.raw(name)
        if value is None:
            return default
        return tuple(part.strip() for part in value.split(",") if part.strip())

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(name, default)
        if value not in choices:
            raise SettingError(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def path(self, name: str, default: Path | None, base: Path) -> Path | None:
        """A path; a relative one is taken from `base` (the repository), not from the working directory."""
        value = self.raw(name)
        if value is None:
            return default
        path = Path(value.strip()).expanduser()
        return path if path.is_absolute() else base / path

    def environment(self) -> str:
        """ENVIRONMENT: production unless a developer says development, so a forgotten variable is safe."""
        return self.choice("ENVIRONMENT", ENVIRONMENTS, "production")


def placeholder_problem(value: str) -> str | None:
    lowered = value.strip().lower()
    if lowered in PLACEHOLDERS or (lowered.startswith("<") and lowered.endswith(">")):
        return "is a placeholder"
    if len(lowered) < 8:
        return "is shorter than 8 characters"
    return None


def refuse_placeholders(environment: str, secrets: Mapping[str, str]) -> None:
    """Stops the process when a secret that is set is still a placeholder, unless in development. An unset
    secret is no placeholder: each is either generated at start or turns its feature off (docs/settings.md)."""
    if environment == "development":
        return
    for name, value in secrets.items():
        problem = value and placeholder_problem(value)
        if problem:
            raise SettingError(
                name, f"{problem}; set a real secret, or ENVIRONMENT=development on a developer's machine"
            )
