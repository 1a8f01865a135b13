"""Headless Chromium for browser tests: Debian's build, never a downloaded one."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
WIDGET_OPEN = "Mở hộp hỏi đáp thủ tục hành chính"  # the widget launcher's accessible name
