"""Rasa's own checks on our data and model: `rasa data validate` and the test stories."""

from __future__ import annotations

import subprocess

import pytest

from bot import training

pytestmark = pytest.mark.e2e


def _rasa(*args: str) -> subprocess.CompletedProcess:
    # Explicit --data/--stories and an --out outside the data folders: `rasa test` otherwise scans the
    # working folder and chokes on stray JSON files.
    return subprocess.run([str(training.RASA_BIN), *args], cwd=training.ROOT, env=training.rasa_env(),
                          capture_output=True, text=True, timeout=900)


def test_training_data_validates_without_warnings():
    done = _rasa("data", "validate", "--fail-on-warnings", "--data", "nlu_data", "--domain", "domain.yml",
                 "--config", "config.yml")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_dialogue_test_stories_pass():
    model = training.ensure_model()
    out = training.ROOT / "build" / "rasa-test-stories"
    done = _rasa("test", "core", "--stories", "tests/conversations", "--model", str(model), "--out", str(out),
                 "--fail-on-prediction-errors")
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, detail
