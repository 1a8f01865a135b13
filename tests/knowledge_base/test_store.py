"""Loading and validating the knowledge base files; every problem as `file:line: field: what is wrong`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from knowledge_base.kb_cli import kb_main
from knowledge_base.store.disk import DEFAULT_ROOT, KnowledgeBaseError, content_hash, load_knowledge_base

COMMITTED = Path(__file__).resolve().parents[2] / "knowledge_base" / "data"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A small copy of the committed knowledge base: two procedures, three catalogue lines, the profile."""
    root = tmp_path / "data"
    (root / "procedures").mkdir(parents=True)
    for code in ("1.013225", "1.013237"):
        shutil.copy(COMMITTED / "procedures" / f"{code}.yml", root / "procedures")
    lines = (COMMITTED / "catalogue.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:3]
    (root / "catalogue.jsonl").write_text("".join(lines), encoding="utf-8")
    shutil.copy(COMMITTED / "department.yml", root)
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge_base(root)
    return error.value.problems


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def test_committed_knowledge_base_is_valid():
    kb = load_knowledge_base()
    assert kb.root == DEFAULT_ROOT == COMMITTED
    assert len(kb.procedures) == 258 and len(kb.catalogue) == 2384
    assert kb.procedures["1.013225"].handled_at == "commune"
    assert len(kb.content_hash) == 64


def test_default_root_does_not_depend_on_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert len(load_knowledge_base().procedures) == 258


def test_small_copy_loads(root):
    kb = load_knowledge_base(root)
    assert set(kb.procedures) == {"1.013225", "1.013237"}
    assert len(kb.catalogue) == 3


def test_malformed_yaml(root):
    path = root / "procedures" / "1.013237.yml"
    edit(path, "field: Hoạt động xây dựng\n", "field: [Hoạt động xây dựng\n")
    line = line_of(path, "field: [Hoạt")
    assert problems_of(root) == [
        f"procedures/1.013237.yml:{line + 1}: yaml: malformed YAML: did not find expected ',' or ']' "
        f"(while parsing a flow sequence started at line {line})"
    ]


def test_missing_code(root):
    path = root / "procedures" / "1.013237.yml"
    edit(path, "code: '1.013237'\n", "")
    assert problems_of(root) == ["procedures/1.013237.yml:1: code: required field is missing"]


def test_unknown_time_unit(root):
    path = root / "procedures" / "1.013225.yml"
    edit(path, "unit: days", "unit: weeks")
    line = line_of(path, "unit: weeks")
    assert problems_of(root) == [
        f"procedures/1.013225.yml:{line}: channels[0].time.unit: "
        "input should be 'working_days', 'days' or 'hours', got 'weeks'"
    ]


def test_duplicate_code(root):
    shutil.copy(root / "procedures" / "1.013225.yml", root / "procedures" / "1.099999.yml")
    assert problems_of(root) == [
        "procedures/1.099999.yml:1: code: duplicate code 1.013225 (also in procedures/1.013225.yml)"
    ]


def test_bad_code_format_and_file_name(root):
    path = root / "procedures" / "1.013237.yml"
    edit(path, "code: '1.013237'", "code: '1013237'")
    assert problems_of(root) == [
        "procedures/1.013237.yml:1: code: national code must look like N.NNNNNN, got '1013237'"
    ]


def test_bad_url(root):
    path = root / "procedures" / "1.013225.yml"
    edit(path, "detail_url: https://dichvucong.gov.vn", "detail_url: dichvucong.gov.vn")
    line = line_of(path, "detail_url:")
    [problem] = problems_of(root)
    assert problem.startswith(f"procedures/1.013225.yml:{line}: detail_url: not an http(s) URL: ")


def test_unknown_field_and_several_problems_at_once(root):
    edit(root / "procedures" / "1.013225.yml", "aliases: []", "alias: []")
    edit(root / "department.yml", "paygov: https://www.pay.gov.vn", "paygov: pay.gov.vn")
    problems = problems_of(root)
    line = line_of(root / "procedures" / "1.013225.yml", "alias: []")
    assert f"procedures/1.013225.yml:{line}: alias: unknown field" in problems
    assert "department.yml:6: paygov: not an http(s) URL: 'pay.gov.vn'" in problems


def test_catalogue_errors_name_the_line(root):
    path = root / "catalogue.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[2])
    entry.pop("ministry")
    lines[1] = lines[1][:-1]
    lines[2] = json.dumps(entry, ensure_ascii=False)
    lines.append(lines[0])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = json.loads(lines[0])["code"]
    problems = problems_of(root)
    assert problems[0].startswith("catalogue.jsonl:2: json: malformed JSON: ")
    assert problems[1:] == [
        "catalogue.jsonl:3: ministry: required field is missing",
        f"catalogue.jsonl:4: code: duplicate code {code} (also line 1)",
    ]


def test_content_hash_tracks_content(root):
    first = content_hash(root)
    assert content_hash(root) == first == load_knowledge_base(root).content_hash
    edit(root / "procedures" / "1.013225.yml", "aliases: []", "aliases:\n- xin phép xây nhà")
    assert content_hash(root) != first
    (root / "import-report.json").write_text("{}", encoding="utf-8")  # not served: no reload needed
    second = content_hash(root)
    (root / "import-report.json").write_text('{"x": 1}', encoding="utf-8")
    assert content_hash(root) == second


def test_cli_validate(root, capsys):
    assert kb_main(["--root", str(root), "validate"]) == 0
    assert "ok: 2 procedures, 3 catalogue entries" in capsys.readouterr().out
    edit(root / "procedures" / "1.013225.yml", "unit: days", "unit: weeks")
    assert kb_main(["--root", str(root), "validate"]) == 1
    err = capsys.readouterr().err
    assert "procedures/1.013225.yml:" in err and "channels[0].time.unit:" in err


def test_cli_show(root, capsys):
    assert kb_main(["--root", str(root), "show", "1.013225", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["code"] == "1.013225" and shown["handled_at"] == "commune"
    assert [c["time"]["value"] for c in shown["channels"]] == [20, 20, 15]
    assert kb_main(["--root", str(root), "show", "9.999999", "--json"]) == 1
    assert "no department procedure with code '9.999999'" in capsys.readouterr().err


def test_cli_show_on_committed_data(capsys):
    assert kb_main(["show", "1.013237", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result_code"]


def test_missing_root(tmp_path):
    with pytest.raises(KnowledgeBaseError):
        load_knowledge_base(tmp_path / "nowhere")


def test_files_are_stable_yaml(root):
    text = (root / "procedures" / "1.013225.yml").read_text(encoding="utf-8")
    assert text.startswith("code: '1.013225'\nname: ")
    assert "Hội đồng nhân dân cấp tỉnh" in text  # allow_unicode: reviewable Vietnamese
    assert "handled_at" not in text  # derived, never stored
    assert os.linesep == "\n" or "\r" not in text
