"""The content hash is of the bytes that were parsed: an edit landing mid-load is seen as a change, not lost."""

from __future__ import annotations

import shutil
from pathlib import Path

from knowledge_base.store import disk

DATA = Path(__file__).resolve().parents[2] / "knowledge_base" / "data"


def test_an_edit_between_parsing_and_hashing_is_not_taken_for_loaded(tmp_path, monkeypatch):
    root = tmp_path / "kb"
    shutil.copytree(DATA, root)
    edited = sorted((root / disk.PROCEDURES_DIR).glob("*.yml"))[0]
    original_check = disk._check_short_titles

    def staff_saves_meanwhile(procedures, root_, problems):
        # A staff alias is written right after the procedures were parsed, before the hash is taken.
        edited.write_text(edited.read_text(encoding="utf-8") + "\n# staff edit\n", encoding="utf-8")
        original_check(procedures, root_, problems)

    monkeypatch.setattr(disk, "_check_short_titles", staff_saves_meanwhile)
    loaded = disk.load_knowledge_base(root)
    assert loaded.content_hash != disk.content_hash(root)  # the next check reloads


def test_an_unchanged_folder_hashes_as_loaded(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(DATA, root)
    assert disk.load_knowledge_base(root).content_hash == disk.content_hash(root)
