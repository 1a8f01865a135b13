"""Console fixtures: the real gateway app against a fake Rasa server that speaks Rasa's REST protocol,
a private copy of the knowledge base, and a SQLite database in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from tests.console.console_support import ADMIN, ADMIN_PASSWORD, fake_rasa_app
from tests.fakes.servers import ServerThread, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fake_rasa_port():
    port = free_port()
    with ServerThread(fake_rasa_app(), port=port):
        yield port


@pytest.fixture
def kb_root(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base" / "data", root)
    return root


@pytest.fixture
def console_env(monkeypatch, tmp_path, kb_root):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'console.db'}")
    monkeypatch.setenv("KB_DATA_DIR", str(kb_root))
    monkeypatch.setenv("STAFF_NLU_FILE", str(tmp_path / "nlu" / "staff_examples.yml"))
    monkeypatch.setenv("IMPACT_DIR", str(tmp_path / "impact"))  # the impact check's index copies
    monkeypatch.setenv("BOT_ADMIN_USER", ADMIN)
    monkeypatch.setenv("BOT_ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.delenv("ACTIONS_ADMIN_TOKEN", raising=False)
    return tmp_path


@pytest.fixture
def gateway(console_env, fake_rasa_port):
    from bot.gateway.app import create_app

    app = create_app(Settings(rasa_port=fake_rasa_port, actions_port=free_port()))
    with TestClient(app) as client:
        yield client
