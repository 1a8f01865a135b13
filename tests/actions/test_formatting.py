"""Answers quote the published facts per channel, and route commune procedures to the commune."""

from __future__ import annotations

import pytest

from actions import formatting
from knowledge_base.store.disk import load_knowledge_base


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def test_each_channel_keeps_its_own_time_and_fee(kb):
    lines = formatting.channels_block(kb.procedures["1.013225"]).splitlines()
    in_person = next(line for line in lines if line.startswith("• Trực tiếp"))
    online = next(line for line in lines if "Trực tuyến" in line)
    assert "15 ngày" in in_person and "20 ngày" in online
    assert "HĐND tỉnh" in online  # the fee is the province's, not a made-up amount
    assert "Miễn phí" not in online  # the portal's "Miễn phí(Theo quy định của HĐND)" is not free


def test_commune_procedure_is_sent_to_the_commune_not_the_department(kb):
    line = formatting.authority_line(kb.procedures["1.013225"], kb.department.name)
    assert "cấp xã" in line and "không nộp tại Sở Xây dựng tỉnh Tuyên Quang" in line


def test_provincial_procedure_names_where_to_file(kb):
    procedure = kb.procedures["1.013237"]
    line = formatting.authority_line(procedure, kb.department.name)
    assert "không nộp" not in line
    assert (procedure.where_to_file or procedure.agency) in line


def test_button_titles_are_short_and_cut_at_a_word():
    name = "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV (Công trình không theo tuyến) và nhà ở"
    title = formatting.short_title(name)
    assert len(title) <= formatting.TITLE_MAX + 1 and title.endswith("…")
    assert name.startswith(title[:-1])
