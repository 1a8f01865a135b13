"""Create the two virtual environments from the project's pinned files (standard library only).

The app environment (.venv) serves the gateway, the action server and the knowledge base; the Rasa
environment (.venv-rasa) holds rasa 3.6.21, whose pins (pydantic 1, SQLAlchemy 1.4, TensorFlow) cannot
share a process with ours. Each environment carries a stamp of the files it was built from and is rebuilt
only when they change, so calling this before every command is cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ENV = ROOT / ".venv"
RASA_ENV = ROOT / ".venv-rasa"
REQ = ROOT / "requirements"
STAMP = ".sxd-stamp"
TORCH = "torch==2.13.0"  # the CPU wheel present on every machine of this kind; unpinned pip pulls CUDA builds
RASA = "rasa==3.6.21"


def _digest(*files: Path) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(_dependencies(f) if f.name == "pyproject.toml" else f.read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()


def _dependencies(pyproject: Path) -> bytes:
    # Only what the environment is built from: editing pytest options in pyproject.toml must not rebuild it.
    project = tomllib.loads(pyproject.read_text())["project"]
    return json.dumps([project.get("dependencies"), project.get("optional-dependencies")], sort_keys=True).encode()


def _pip(env: Path, *args: str) -> None:
    cmd = [str(env / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", *args]
    print("  $", " ".join(cmd[2:]), flush=True)
    subprocess.run(cmd, check=True)


def _fresh_env(env: Path) -> None:
    if env.exists():
        shutil.rmtree(env)
    venv.EnvBuilder(with_pip=True).create(env)


def _ensure(env: Path, inputs: list[Path], install) -> bool:
    digest = _digest(*inputs)
    stamp = env / STAMP
    if stamp.exists() and stamp.read_text() == digest and (env / "bin" / "python").exists():
        return False
    print(f"[bootstrap] creating {env.name} (first run or its pinned files changed; takes a few minutes)", flush=True)
    _fresh_env(env)
    install(env)
    stamp.write_text(digest)
    return True


def _install_app(env: Path) -> None:
    _pip(env, "-q", TORCH)
    _pip(env, "-q", "-c", str(REQ / "app.lock"), "-e", f"{ROOT}[dev]")


def _install_rasa(env: Path) -> None:
    # rasa's metadata says Python < 3.11; it trains and serves on 3.11 with this pinned set.
    _pip(env, "-q", "--ignore-requires-python", "--prefer-binary", "-r", str(REQ / "rasa.txt"))
    _pip(env, "-q", "--ignore-requires-python", "--no-deps", RASA)


def ensure_app() -> bool:
    return _ensure(APP_ENV, [ROOT / "pyproject.toml", REQ / "app.lock"], _install_app)


def ensure_rasa() -> bool:
    return _ensure(RASA_ENV, [REQ / "rasa.txt"], _install_rasa)


def freeze_rasa() -> None:
    """Re-resolve rasa.in into the pinned rasa.txt (maintainers only; needs the registry)."""
    tmp = ROOT / "build" / "rasa-freeze-env"
    _fresh_env(tmp)
    _pip(tmp, "--ignore-requires-python", "--prefer-binary", "-r", str(REQ / "rasa.in"))
    # --all: rasa needs setuptools' pkg_resources (gone from setuptools >= 81), so it must be pinned too.
    frozen = subprocess.run(
        [str(tmp / "bin" / "python"), "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True
    ).stdout
    lines = [ln for ln in frozen.splitlines() if not ln.lower().startswith(("rasa==", "pip=="))]
    header = (
        "# Pinned runtime set of the Rasa environment (rasa==3.6.21 itself is installed with --no-deps).\n"
        "# Regenerate from rasa.in with: python3 scripts/bootstrap.py --freeze-rasa\n"
    )
    (REQ / "rasa.txt").write_text(header + "\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    if argv[:1] == ["--freeze-rasa"]:
        freeze_rasa()
        return 0
    try:
        ensure_app()
        ensure_rasa()
    except subprocess.CalledProcessError as exc:
        print(f"[bootstrap] failed: {' '.join(map(str, exc.cmd))} exited {exc.returncode}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
