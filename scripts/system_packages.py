"""Debian packages the project needs: Redis (Rasa's lock store when several Rasa servers run), and for the
tests Chromium (widget and console tests) and a PostgreSQL server.

Installed with apt-get when missing (CI runs as root on a fresh machine); nothing else downloads a browser.
Usage: system_packages.py [PACKAGE ...]   (default: all of them)
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

NEEDED = {
    "chromium": lambda: shutil.which("chromium") is not None,
    "postgresql": lambda: bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")),
    "redis-server": lambda: shutil.which("redis-server") is not None or os.path.exists("/usr/bin/redis-server"),
}


def main() -> int:
    wanted = sys.argv[1:] or list(NEEDED)
    unknown = [name for name in wanted if name not in NEEDED]
    if unknown:
        print(f"[system] unknown package(s): {' '.join(unknown)}; known: {' '.join(NEEDED)}", file=sys.stderr)
        return 2
    missing = [name for name in wanted if not NEEDED[name]()]
    if not missing:
        return 0
    if os.geteuid() != 0:
        print(
            f"[system] missing Debian packages: {' '.join(missing)}; install them with "
            f"`sudo apt-get install {' '.join(missing)}`",
            file=sys.stderr,
        )
        return 1
    print(f"[system] installing {' '.join(missing)} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
