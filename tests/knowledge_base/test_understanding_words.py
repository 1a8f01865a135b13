"""The word lists and patterns of understanding live in one data file, each with why; a malformed entry is refused
with the file, the entry and what was expected. One reading of a turn carries what the dialogue decides on."""

from __future__ import annotations

import re

import pytest
import yaml

from knowledge_base.understanding import words
from knowledge_base.understanding.reading import read


def test_every_list_and_pattern_is_loaded_and_says_why():
    data = yaml.safe_load(words.WORDS_FILE.read_text(encoding="utf-8"))
    for name, entry in data["sets"].items():
        assert entry["why"].strip() and words.word_set(name), name
    for name, entry in data["patterns"].items():
        assert entry["why"].strip() and isinstance(words.pattern(name), re.Pattern), name


@pytest.mark.parametrize(
    "content, expected",
    [
        ("sets: {}\npatterns:\n  earlier: {why: time words, pattern: '(luc nay'}\n", "patterns.earlier: not a valid"),
        ("sets: {}\npatterns:\n  earlier: {pattern: 'luc nay'}\n", "patterns.earlier: needs 'why'"),
        ("sets: [a, b]\npatterns: {}\n", "needs two mappings"),
        ("sets: {\n", "not readable YAML"),
    ],
)
def test_a_malformed_entry_names_itself(tmp_path, monkeypatch, content, expected):
    broken = tmp_path / "words.yml"
    broken.write_text(content, encoding="utf-8")
    monkeypatch.setattr(words, "WORDS_FILE", broken)
    words._loaded.cache_clear()
    try:
        with pytest.raises(words.WordsError, match=re.escape(expected)) as raised:
            words.pattern("earlier")
        assert str(broken) in str(raised.value)
    finally:
        monkeypatch.undo()
        words._loaded.cache_clear()


@pytest.mark.parametrize(
    "text, names, points_back, goes_back, ha_giang",
    [
        ("phí bao nhiêu", False, False, False, False),
        ("gia hạn giấy phép đó thế nào", True, True, False, False),
        ("quay lại cái chứng chỉ lúc nãy, mất mấy ngày", True, False, True, False),
        ("xin phép xây nhà ở Vị Xuyên, Hà Giang ở đâu", True, False, False, True),
    ],
)
def test_one_reading_of_a_turn(text, names, points_back, goes_back, ha_giang):
    reading = read(text)
    assert (reading.names_something, reading.points_back, reading.goes_back, reading.mentions_ha_giang) == (
        names,
        points_back,
        goes_back,
        ha_giang,
    )
    assert "Hà Giang" not in reading.story and "bao nhiêu" not in reading.story
