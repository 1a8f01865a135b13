"""What a citizen notices about search: the right procedure from how people really write, codes, refusals."""

from __future__ import annotations

import io
import json
import threading

import pytest

from knowledge_base.search_cli import search_main
from test_search_support import subset_kb, write_subset


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = write_subset(tmp_path_factory.mktemp("kb"))
    return subset_kb(root, tmp_path_factory.mktemp("index"))


def top(kb, question):
    response = kb.search(question, top_k=5)
    assert response.results, f"no result for {question!r}"
    return response, response.results[0]


@pytest.mark.parametrize(
    "question, code",
    [
        ("xin phep xay can nha 2 tang nop cho nao", "1.013225"),  # no diacritics
        ("gpxd nha rieng le thu bao nhieu tien", "1.013225"),  # abbreviation
        ("cchn giám sát cấp mới mất bao lâu", "1.013237"),
        ("lam cchn giam sat can nhung giay to j", "1.013237"),  # chat shorthand "j" = gì
        ("xin giay pheo xay nha o dau", "1.013225"),  # typo
        ("Giấy phép xây dựng sắp hết hiệu lực nhưng chưa khởi công được, xử lý sao?", "1.013227"),
        ("cchn moi gioi bds qua han roi lam lai sao", "1.012910"),
        ("Muốn chặt cây xanh trước nhà", "1.002693"),
        ("noxh đăng ký cần đk gì", "1.014632"),
    ],
)
def test_finds_the_procedure_citizens_mean(kb, question, code):
    response, first = top(kb, question)
    assert first.code == code, [(h.code, h.score) for h in response.results]
    assert response.confident
    assert first.in_scope


def test_commune_procedure_says_where_to_go(kb):
    _, first = top(kb, "xin phép xây nhà ở riêng lẻ")
    assert first.code == "1.013225"
    assert first.handled_at == "commune"


def test_national_code_is_looked_up_exactly(kb):
    response, first = top(kb, "1.013236")
    assert (first.code, first.score, response.confident) == ("1.013236", 1.0, True)
    # the provincial form of the code carries the national one
    _, first = top(kb, "thủ tục 1.013236.000.00.00.H22 cần gì")
    assert first.code == "1.013236"


def test_unknown_code_is_not_answered(kb):
    response = kb.search("thủ tục có mã 1.009972 nói về việc gì")
    assert not response.confident


def test_other_agencies_procedure_resolves_to_the_catalogue(kb):
    response, first = top(kb, "Đổi giấy phép lái xe")
    assert first.code == "3.000347"
    assert not first.in_scope


@pytest.mark.parametrize("question", ["Hôm nay ăn gì ngon?", "xin chào", "xin số máy riêng của ông giám đốc"])
def test_chit_chat_is_not_answered_as_a_procedure(kb, question):
    response = kb.search(question)
    assert not response.confident or not response.results[0].in_scope


def test_staff_alias_is_searchable_at_once(kb):
    question = "giấy tờ cho phép đốn hạ cổ thụ ven đường"
    kb.add_alias("1.002693", question)
    _, first = top(kb, question)
    assert first.code == "1.002693"


def test_concurrent_searches_agree(kb):
    questions = ["xin phep xay nha o dau", "chung chi kien truc su het han", "thue nha cong vu"] * 4
    expected = {q: kb.search(q).results[0].code for q in questions}
    errors: list[str] = []

    def worker(q):
        got = kb.search(q).results[0].code
        if got != expected[q]:
            errors.append(f"{q}: {got} != {expected[q]}")

    threads = [threading.Thread(target=worker, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_reload_picks_up_staff_edits_and_survives_broken_files(tmp_path):
    root = write_subset(tmp_path / "kb")
    kb = subset_kb(root, tmp_path / "index")
    assert not kb.reload_if_changed()
    path = root / "procedures" / "1.012891.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("aliases: []", "aliases:\n- căn hộ dành cho cán bộ luân chuyển"), encoding="utf-8")
    assert kb.reload_if_changed()
    assert kb.search("căn hộ dành cho cán bộ luân chuyển").results[0].code == "1.012891"
    path.write_text("code: [unclosed", encoding="utf-8")
    assert not kb.reload_if_changed()
    assert kb.ready and kb.search("thuê nhà công vụ").results[0].code == "1.012891"


def test_cli_prints_one_json_object_per_question(tmp_path, monkeypatch, capsys):
    root = write_subset(tmp_path / "kb")
    monkeypatch.setenv("KB_DATA_DIR", str(root))
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setattr("sys.stdin", io.StringIO("xin phep xay nha\n\n1.013236\n"))
    assert search_main(["--json", "--top", "2", "--quiet"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["query"] for line in lines] == ["xin phep xay nha", "1.013236"]
    for line in lines:
        assert set(line) == {"query", "confident", "results", "ambiguous_between", "aspects"}
        assert 1 <= len(line["results"]) <= 2
        assert set(line["results"][0]) == {"code", "name", "score", "in_scope", "agency"}
    assert lines[1]["results"][0]["code"] == "1.013236"
