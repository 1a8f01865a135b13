"""A stand-in for the knowledge-base service (knowledge_base.service.KnowledgeBase) where actions are tested
without search: the committed data behind what actions read of the service (ready, department, get)."""

from __future__ import annotations

from knowledge_base.store.disk import load_knowledge_base


class FakeKB:
    ready = True

    def __init__(self, data=None):
        self.data = data if data is not None else load_knowledge_base()
        self.department = self.data.department

    def get(self, code):
        return self.data.procedures.get(code)
