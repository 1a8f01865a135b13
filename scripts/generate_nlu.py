"""Generate nlu_data/nlu/generated.yml: the ways citizens type what the hand-written examples say.

Citizens write without diacritics and with abbreviations (gpxd, cchn, noxh, ko, dc, j, bn, hs, sxd), and they
name a procedure inside a follow-up ("lệ phí gpxd bao nhiêu"). From the hand-written files this adds
(1) accent-free and abbreviated twins of every example and (2) aspect questions combined with common
procedure topics. Deterministic; run after editing nlu_data/nlu/*.yml:
    .venv/bin/python scripts/generate_nlu.py
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from knowledge_base.text import strip_accents  # noqa: E402

NLU_DIR = ROOT / "nlu_data" / "nlu"
OUT = NLU_DIR / "generated.yml"
PER_INTENT = 45

ABBREVIATIONS = [
    ("giấy phép xây dựng", "gpxd"),
    ("chứng chỉ hành nghề", "cchn"),
    ("nhà ở xã hội", "noxh"),
    ("bất động sản", "bđs"),
    ("không", "ko"),
    ("được", "dc"),
    ("gì", "j"),
    ("bao nhiêu", "bn"),
    ("hồ sơ", "hs"),
    ("sở xây dựng", "sxd"),
    ("điều kiện", "đk"),
    ("số điện thoại", "sđt"),
]

TOPICS = [
    "giấy phép xây dựng nhà ở",
    "giấy phép xây dựng",
    "cchn giám sát thi công",
    "chứng chỉ hành nghề",
    "chứng chỉ hành nghề kiến trúc",
    "nhà ở xã hội",
    "chứng chỉ hành nghề môi giới",
    "giấy phép di dời công trình",
    "thẩm định báo cáo nghiên cứu khả thi",
    "chứng chỉ năng lực xây dựng",
    "gia hạn giấy phép xây dựng",
    "cấp lại giấy phép xây dựng",
    "giấy phép sửa chữa nhà",
    "giấy phép lưu hành xe quá tải",
    "giấy phép kinh doanh vận tải",
    "giấy phép thi công trên đường bộ",
]

ASPECTS = {
    "ask_documents": [
        "{t} cần giấy tờ gì",
        "hồ sơ {t} gồm những gì",
        "làm {t} cần chuẩn bị hồ sơ gì",
        "thành phần hồ sơ {t}",
        "xin {t} phải nộp những giấy tờ nào",
        "giấy tờ để làm {t}",
    ],
    "ask_fee": [
        "lệ phí {t} bao nhiêu",
        "{t} mất bao nhiêu tiền",
        "phí làm {t} là bao nhiêu",
        "làm {t} có mất phí không",
        "chi phí xin {t}",
        "{t} tốn bao nhiêu tiền",
    ],
    "ask_processing_time": [
        "{t} mất bao lâu",
        "làm {t} bao lâu thì có",
        "thời gian giải quyết {t}",
        "{t} mấy ngày thì xong",
        "xin {t} trong bao nhiêu ngày",
        "bao giờ có {t}",
    ],
    "ask_where_to_submit": [
        "{t} nộp ở đâu",
        "xin {t} ở đâu",
        "làm {t} ở xã hay ở sở",
        "cơ quan nào cấp {t}",
        "nộp hồ sơ {t} tại đâu",
        "đến đâu để làm {t}",
    ],
    "ask_online_submission": [
        "{t} nộp online được không",
        "làm {t} trực tuyến được không",
        "có nộp {t} qua mạng được không",
        "xin {t} trên dịch vụ công được không",
    ],
    "ask_procedure": [
        "thủ tục {t}",
        "hướng dẫn làm {t}",
        "tôi muốn xin {t}",
        "{t}",
        "cho hỏi về {t}",
        "làm {t} như thế nào",
        "quy trình cấp {t}",
    ],
}


def _examples(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        if "intent" in block:
            lines = [ln[2:].strip() for ln in block["examples"].splitlines() if ln.strip().startswith("- ")]
            found.setdefault(block["intent"], []).extend(lines)
    return found


def _abbreviate(text: str) -> str:
    for long, short in ABBREVIATIONS:
        text = re.sub(rf"\b{re.escape(long)}\b", short, text)
    return text


def variants(text: str) -> set[str]:
    short = _abbreviate(text)
    return {text, short, strip_accents(text), strip_accents(short)}


def generate(nlu_dir: Path = NLU_DIR) -> dict[str, list[str]]:
    rng = random.Random(20251)
    written: dict[str, list[str]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        # Only hand-written files: this one and the staff console's alias export are themselves generated,
        # and twins of deployment-local examples would make the committed output depend on the deployment.
        if path.name != OUT.name and not path.read_text(encoding="utf-8").startswith("# Generated"):
            for intent, items in _examples(path).items():
                written.setdefault(intent, []).extend(items)
    taken = {ex.lower() for items in written.values() for ex in items}
    candidates: dict[str, set[str]] = {}
    for intent, items in written.items():
        for ex in items:
            candidates.setdefault(intent, set()).update(variants(ex))
    for intent, templates in ASPECTS.items():
        for template in templates:
            for topic in rng.sample(TOPICS, 4):
                candidates.setdefault(intent, set()).update(variants(template.format(t=topic)))
    owner: dict[str, set[str]] = {}
    for intent, texts in candidates.items():
        for text in texts:
            owner.setdefault(text.lower(), set()).add(intent)
    result = {}
    for intent in sorted(candidates):
        fresh = sorted(t for t in candidates[intent] if t.lower() not in taken and len(owner[t.lower()]) == 1)
        rng.shuffle(fresh)
        if fresh:
            result[intent] = sorted(fresh[:PER_INTENT])
    return result


def render(nlu_dir: Path = NLU_DIR) -> str:
    lines = [
        'version: "3.1"',
        "# Generated by scripts/generate_nlu.py from the other files of this folder; do not edit.",
        "nlu:",
    ]
    for intent, items in generate(nlu_dir).items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines += [f"    - {item}" for item in items]
    return "\n".join(lines) + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
