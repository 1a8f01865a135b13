"""Every text the actions send exists and fills without a missing placeholder."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from actions import texts

ACTIONS = Path(texts.__file__).parent


def test_every_text_used_by_the_actions_exists():
    used = set()
    for path in ACTIONS.glob("*.py"):
        used |= set(re.findall(r'say\(\s*dispatcher,\s*"(\w+)"', path.read_text()))
        used |= set(re.findall(r'\("(guide_(?:login|find\w*|fill|pay|submit|track))"', path.read_text()))
    assert used, "no say() call found: the pattern of this test is out of date"
    assert used <= set(texts.texts()), used - set(texts.texts())


@pytest.mark.parametrize("key", sorted(texts.texts()))
def test_texts_render_with_their_placeholders(key):
    names = {field for _, field, _, _ in string.Formatter().parse(texts.texts()[key]) if field}
    rendered = texts.render(key, **{name: f"<{name}>" for name in names})
    assert "{" not in rendered
