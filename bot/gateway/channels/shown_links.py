"""A counted link shows where it goes (bot/gateway/console/links.py writes it as "<gateway>/r/<token> (<portal host>)").

Citizens are taught not to tap unknown short links. In plain text (widget, API, Zalo) the portal's address is
named beside the counted link; Telegram shows an HTML link whose visible text is the portal's address; Zalo adds
an "open URL" button titled with the portal's name.
"""

from __future__ import annotations

import re

COUNTED = re.compile(r"(https?://[^\s<>\"']+/r/[A-Za-z0-9_-]{1,32}) \(([A-Za-z0-9.-]+\.[A-Za-z]{2,})\)")
NAMES = {"dichvucong.gov.vn": "Cổng Dịch vụ công quốc gia"}
OPEN = "Mở {name}"


def portal_name(host: str) -> str:
    host = host.lower().removeprefix("www.")
    return next((name for known, name in NAMES.items() if host == known or host.endswith("." + known)), host)


def telegram_html(escaped: str) -> str:
    """In HTML-escaped text: the counted link as <a> whose visible text is the portal's address."""
    return COUNTED.sub(lambda m: f'<a href="{m.group(1)}">{m.group(2)}</a>', escaped)


def open_buttons(text: str) -> list[tuple[str, str]]:
    """(title, counted url) of each different counted link in a text, in order."""
    seen: dict[str, str] = {}
    for match in COUNTED.finditer(text):
        seen.setdefault(match.group(1), OPEN.format(name=portal_name(match.group(2))))
    return [(title, url) for url, title in seen.items()]
