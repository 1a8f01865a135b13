"""bot/patch_guard.py: the patches of library internals refuse to run on versions they were not written for.

The Rasa side (bot.rasa_plugins.server, bot.rasa_plugins.tracker_store) runs in Rasa's environment:
tests/rasa/test_rasa_patches.py. Here: the guard itself, and the action server's replacement of Sanic's internal handler
table (this environment)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from bot import patch_guard
from bot.patch_guard import PatchRefused, require_attribute, require_version


def installed(versions: dict[str, str]):
    def version(package: str) -> str:
        if package not in versions:
            raise patch_guard.metadata.PackageNotFoundError(package)
        return versions[package]

    return version


def test_a_version_of_another_series_is_refused_naming_the_package_and_both_versions(monkeypatch):
    monkeypatch.setattr(patch_guard.metadata, "version", installed({"rasa": "3.7.0"}))
    with pytest.raises(PatchRefused) as refused:
        require_version("rasa", "bot.rasa_plugins.server")
    message = str(refused.value)
    assert "bot.rasa_plugins.server" in message and "rasa" in message
    assert "3.7.0" in message and "expected 3.6.x" in message


def test_the_series_written_for_passes_and_a_lookalike_series_does_not(monkeypatch):
    monkeypatch.setattr(patch_guard.metadata, "version", installed({"rasa": "3.6.21", "sanic": "25.120.0"}))
    require_version("rasa", "patch")
    with pytest.raises(PatchRefused, match="25.120.0"):
        require_version("sanic", "patch")


def test_a_missing_package_is_refused(monkeypatch):
    monkeypatch.setattr(patch_guard.metadata, "version", installed({}))
    with pytest.raises(PatchRefused, match="installed tensorflow is missing"):
        require_version("tensorflow", "patch")


class Library:
    def _retrieve(self, sender_id, fetch_events_from_all_sessions):
        return sender_id


def test_a_missing_attribute_is_refused_naming_it_and_the_version(monkeypatch):
    monkeypatch.setattr(patch_guard.metadata, "version", installed({"rasa": "3.6.21"}))
    with pytest.raises(PatchRefused) as refused:
        require_attribute(Library, "_retrieve_events", "bot.rasa_plugins.tracker_store", "rasa")
    message = str(refused.value)
    assert "Library._retrieve_events is missing" in message
    assert "rasa 3.6.21" in message and "3.6.x" in message


def test_other_parameters_are_refused_and_the_expected_ones_return_the_attribute(monkeypatch):
    monkeypatch.setattr(patch_guard.metadata, "version", installed({"rasa": "3.6.21"}))
    found = require_attribute(
        Library, "_retrieve", "p", "rasa", ("self", "sender_id", "fetch_events_from_all_sessions")
    )
    assert found is Library._retrieve
    with pytest.raises(PatchRefused, match=r"takes \(self, sender_id, fetch_events_from_all_sessions\)"):
        require_attribute(Library, "_retrieve", "p", "rasa", ("self", "sender_id", "session"))


def test_every_guarded_series_matches_the_pinned_requirements():
    from pathlib import Path

    requirements = Path(__file__).resolve().parents[2] / "requirements"
    # rasa itself is installed by scripts/bootstrap.py (RASA), with --no-deps.
    pinned = {"rasa.txt": {"rasa": "3.6.21"}, "app.lock": {}}
    for name, pins in pinned.items():
        for line in (requirements / name).read_text().splitlines():
            package, _, version = line.partition("==")
            if version:
                pins[package.strip().lower()] = version.strip()
    where = {
        "rasa": "rasa.txt",
        "tensorflow": "rasa.txt",
        "keras": "rasa.txt",
        "rasa-sdk": "app.lock",
        "sanic": "app.lock",
    }
    assert set(where) == set(patch_guard.WRITTEN_FOR)
    for package, series in patch_guard.WRITTEN_FOR.items():
        assert pinned[where[package]][package].startswith(series + "."), (package, series)


# The action server (this environment: rasa-sdk and Sanic as pinned in requirements/app.lock).


@pytest.fixture(scope="module")
def app():
    # One per process: Sanic refuses a second app of the same name.
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor

    return create_app(ActionExecutor(), cors_origins=None)


def test_the_action_server_replaces_rasa_sdks_failure_handler_on_the_installed_sanic(app):
    from actions import server

    server._answer_failures_without_the_tracker(app)
    failed = app.error_handler.cached_handlers[(Exception, None)]
    request = SimpleNamespace(
        json={
            "next_action": "action_contact",
            "tracker": {"sender_id": "widget:1", "latest_message": {"text": "số điện thoại của tôi 0912345678"}},
        }
    )
    reply = asyncio.run(failed(request, ValueError("boom")))
    body = json.loads(reply.body)
    assert reply.status == 500
    assert body == {"error": "action action_contact failed (ValueError)", "action_name": "action_contact"}


def test_the_action_server_refuses_another_sanic(app, monkeypatch):
    from actions import server

    monkeypatch.setattr(patch_guard.metadata, "version", installed({"sanic": "26.3.0", "rasa-sdk": "3.21.1"}))
    with pytest.raises(PatchRefused) as refused:
        server._answer_failures_without_the_tracker(app)
    assert "sanic" in str(refused.value) and "26.3.0" in str(refused.value) and "25.12.x" in str(refused.value)


def test_the_action_server_refuses_a_sanic_without_the_handler_table():
    from actions import server

    app = SimpleNamespace(error_handler=SimpleNamespace())
    with pytest.raises(PatchRefused, match="cached_handlers is missing"):
        server._answer_failures_without_the_tracker(app)
