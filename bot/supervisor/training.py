"""Train the Rasa model only when its inputs changed: the model file is named by their content hash."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
from pathlib import Path

from bot.supervisor.numeric_threads import thread_env

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
INPUTS = (
    "config.yml",
    "domain.yml",
    "nlu_data",
    "bot/rasa_plugins/nlu",
    "knowledge_base/text.py",
    "knowledge_base/search/embedder.py",
    "requirements/rasa.txt",
)


def rasa_env() -> dict[str, str]:
    # Without this Rasa reports crashes and usage to an outside service; set for every rasa command.
    # Rasa 3.6 on our pinned set prints dozens of deprecation warnings at each start; they hide real errors.
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def inputs_hash(root: Path = ROOT) -> str:
    h = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        # Rasa compiles bot/rasa_plugins/nlu when it imports it; bytecode must not look like a changed input.
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for f in files:
            h.update(str(f.relative_to(root)).encode())
            h.update(b"\0")
            h.update(f.read_bytes())
            h.update(b"\0")
    return h.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return MODELS / f"sxd-{inputs_hash(root)}.tar.gz"


def ensure_model(log=print) -> Path:
    """Return the model for the current inputs, training it first if no cached model matches."""
    target = model_path()
    if target.exists():
        log(f"model up to date: {target.relative_to(ROOT)}")
        return target
    MODELS.mkdir(exist_ok=True)
    # Two runs (say the tests and a developer's `make run`) must not train the same model at once.
    with open(MODELS / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        log("training the Rasa model (inputs changed; about 2-4 minutes on 2 cores)...")
        cmd = [
            str(RASA_BIN),
            "train",
            "--data",
            "nlu_data",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--out",
            str(MODELS),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ]
        # Training is a batch job with the machine to itself: every core, whatever a server process may use.
        env = {**rasa_env(), **thread_env(os.cpu_count() or 1)}
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0 or not target.exists():
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
            raise RuntimeError(f"rasa train failed (exit {done.returncode}):\n{tail}")
    for old in MODELS.glob("sxd-*.tar.gz"):
        if old != target and old.stat().st_mtime < target.stat().st_mtime - 7 * 86400:
            old.unlink(missing_ok=True)
    log(f"model trained: {target.relative_to(ROOT)}")
    return target
