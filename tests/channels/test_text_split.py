"""Splitting long answers for channels with a message size limit."""

from __future__ import annotations

import html

from bot.gateway.channels.text import split_text


def test_short_text_is_one_message():
    assert split_text("Xin chào", 4096) == ["Xin chào"]


def test_paragraphs_are_kept_whole_and_packed_together_up_to_the_limit():
    paragraphs = [f"Bước {i}: " + "nộp hồ sơ " * 19 + "nộp hồ sơ." for i in range(1, 10)]
    chunks = split_text("\n\n".join(paragraphs), 500)
    assert all(len(c) <= 500 for c in chunks)
    assert "\n\n".join(chunks) == "\n\n".join(paragraphs)  # nothing lost, nothing cut mid-paragraph
    assert all(c.startswith("Bước") for c in chunks)
    assert len(chunks) < len(paragraphs)


def test_a_paragraph_longer_than_the_limit_is_cut_between_words():
    chunks = split_text("thủ tục " * 400, 100)
    assert all(len(c) <= 100 for c in chunks)
    assert all(not c.startswith(" ") and not c.endswith(" ") for c in chunks)
    assert " ".join(chunks).split() == ("thủ tục " * 400).split()


def test_a_word_longer_than_the_limit_is_cut_hard():
    url = "https://dichvucong.gov.vn/" + "x" * 250
    assert [len(c) for c in split_text(url, 100)] == [100, 100, 76]


def test_the_channel_measure_counts_escaped_length():
    text = "<b>&</b> " * 600
    measure = lambda s: len(html.escape(s, quote=False))  # noqa: E731
    chunks = split_text(text, 4096, measure)
    assert len(chunks) > 1 and all(measure(c) <= 4096 for c in chunks)
