"""The model is retrained only when its inputs change."""

from __future__ import annotations

import shutil

from bot.supervisor import training


def _copy_project(tmp_path):
    for name in training.INPUTS:
        src = training.ROOT / name
        dst = tmp_path / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy(src, dst)
    return tmp_path


def test_hash_is_stable_and_follows_every_input(tmp_path):
    root = _copy_project(tmp_path)
    first = training.inputs_hash(root)
    assert training.inputs_hash(root) == first
    nlu = next((root / "nlu_data").rglob("*.yml"))
    nlu.write_text(nlu.read_text() + "\n")
    assert training.inputs_hash(root) != first


def test_unrelated_files_do_not_trigger_training(tmp_path):
    root = _copy_project(tmp_path)
    first = training.inputs_hash(root)
    (root / "README.md").write_text("docs change")
    assert training.inputs_hash(root) == first


def test_tokenizer_change_retrains_but_its_bytecode_does_not(tmp_path):
    root = _copy_project(tmp_path)
    first = training.inputs_hash(root)
    cache = root / "bot" / "rasa_plugins" / "nlu" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "tokenizer.cpython-311.pyc").write_bytes(b"compiled")
    assert training.inputs_hash(root) == first
    tokenizer = root / "bot" / "rasa_plugins" / "nlu" / "tokenizer.py"
    tokenizer.write_text(tokenizer.read_text() + "\n# changed\n")
    assert training.inputs_hash(root) != first
