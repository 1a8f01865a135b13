"""say(): send one of the texts of actions/texts.yml, filled with facts from the knowledge base.

The texts live in YAML (staff can reword them) rather than in domain.yml: Rasa's validator counts every
domain response that no story uses as an error, and these are sent only by custom actions.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from rasa_sdk.executor import CollectingDispatcher

TEXTS = Path(__file__).with_name("texts.yml")


@lru_cache(maxsize=1)
def texts() -> dict[str, str]:
    loaded = yaml.safe_load(TEXTS.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
        raise ValueError(f"{TEXTS}: expected a mapping of text names to strings")
    return loaded


def render(key: str, **variables) -> str:
    return texts()[key].format(**variables)


def say(dispatcher: CollectingDispatcher, key: str, buttons: list[dict] | None = None, **variables) -> None:
    dispatcher.utter_message(text=render(key, **variables), buttons=buttons or [])
