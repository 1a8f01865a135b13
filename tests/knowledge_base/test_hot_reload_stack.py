"""A staff edit of a procedure file reaches the running assistant without a restart, index rebuilt."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from knowledge_base.store.disk import load_knowledge_base, write_procedure

# Edits the session stack's knowledge base: runs after every other test (tests/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.edits_stack_kb]
CODE = "1.013225"
# A citizen's own words for a small farm building that no procedure text uses today.
QUESTION = "dựng chòi canh vịt bằng gạch ngoài đồng có phải xin phép không"


def _answer(stack, text: str) -> str:
    reply = httpx.post(f"{stack.url}/api/chat", json={"sender_id": f"r-{uuid.uuid4()}", "text": text}, timeout=60)
    return "\n".join(m["text"] for m in reply.json()["messages"])


@pytest.fixture(scope="module")
def kb_stack(stack):
    """The session stack, serving a copy of the knowledge base (tests/conftest.py), so the test never edits the
    committed files. The invalid edit below is undone when the module ends."""
    path = stack.kb_dir / "procedures" / "1.008891.yml"
    valid = path.read_bytes()
    yield stack, stack.kb_dir
    path.write_bytes(valid)


def test_an_alias_added_to_a_file_is_answered_without_restart(kb_stack):
    stack, kb = kb_stack
    assert CODE not in _answer(stack, QUESTION)
    procedure = load_knowledge_base(kb).procedures[CODE]
    write_procedure(kb, procedure.model_copy(update={"aliases": [*procedure.aliases, QUESTION]}))
    edited = time.monotonic()
    deadline = edited + 60
    while CODE not in _answer(stack, QUESTION):
        assert time.monotonic() < deadline, f"the edit never reached the assistant:\n{stack.log_tail()}"
        time.sleep(0.5)
    print(f"edit answered after {time.monotonic() - edited:.1f} s")


def test_an_invalid_edit_is_refused_and_the_last_valid_knowledge_base_keeps_serving(kb_stack):
    stack, kb = kb_stack
    path = kb / "procedures" / "1.008891.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: working_days", "unit: weeks"), encoding="utf-8")
    time.sleep(5)  # two reload checks
    assert "1.008891" in _answer(stack, "chứng chỉ hành nghề kiến trúc")
    status = httpx.get(f"{stack.url}/health", timeout=10).json()
    assert status["components"]["index"]["state"] == "ready"
