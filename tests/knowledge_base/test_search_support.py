"""Helpers for the search tests: a small copy of the real knowledge base, so an index builds in seconds.

The copy keeps real records (the department's building-permit, certificate and housing procedures and a
few other agencies' everyday ones) so the tests exercise the real alias rules and the real models.
"""

from __future__ import annotations

from pathlib import Path

from knowledge_base.config import SearchSettings
from knowledge_base.service import KnowledgeBase
from knowledge_base.store.disk import catalogue_to_jsonl, department_to_yaml, load_knowledge_base, write_procedure

OWN_CODES = (
    "1.013225",
    "1.013226",
    "1.013227",
    "1.013228",
    "1.013229",
    "1.013236",
    "1.013233",
    "1.013235",
    "1.013237",
    "1.013217",
    "1.013219",
    "1.008891",
    "1.008991",
    "1.012906",
    "1.012910",
    "1.012896",
    "1.012891",
    "1.014159",
    "1.002693",
    "1.006871",
    "1.013222",
    "1.009794",
    "1.014632",
)
OTHER_CODES = ("3.000347", "3.000346", "3.000348", "1.000894", "1.001193", "2.000635")


def write_subset(root: Path) -> Path:
    full = load_knowledge_base()
    for code in OWN_CODES:
        write_procedure(root, full.procedures[code])
    others = [e for e in full.catalogue if e.code in OTHER_CODES]
    # a few more unrelated entries so "other agency" is not a tiny target
    others += [e for e in full.catalogue if e.ministry == "bo-tu-phap" and e.code not in OTHER_CODES][:20]
    (root / "catalogue.jsonl").write_text(catalogue_to_jsonl(others), encoding="utf-8")
    (root / "department.yml").write_text(department_to_yaml(full.department), encoding="utf-8")
    return root


def subset_kb(data_root: Path, index_dir: Path, **settings) -> KnowledgeBase:
    kb = KnowledgeBase.from_settings(SearchSettings(data_root=data_root, index_dir=index_dir, **settings))
    kb.load()
    return kb
