"""Request bodies parsed as JSON, every way a client can break parsing ending in the same refusal.

json.loads raises RecursionError (not ValueError) on deeply nested input such as "[" * 50000, which fits
under the body limit: without this, that reached the gateway's 5xx handler.
"""

from __future__ import annotations

import json


class NotJSON(ValueError):
    pass


def parse_json(raw: bytes | str) -> object:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise NotJSON(f"body is not valid JSON ({exc.__class__.__name__})") from None
