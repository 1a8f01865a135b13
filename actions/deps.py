"""Cached, overridable providers for the actions.

rasa-sdk creates every action with no arguments and imports every module of this package at start, so
nothing is loaded at import time: the knowledge base is created on first use and loaded by the server.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge_base.config import SearchSettings
from knowledge_base.service import KnowledgeBase

_search: SearchSettings | None = None


def configure(search: SearchSettings) -> None:
    """The action server's settings, read once at start (actions/server.py), before any action runs."""
    global _search
    _search = search
    knowledge_base.cache_clear()


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase.from_settings(_search)
