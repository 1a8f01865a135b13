"""The base class of the actions that answer the citizen's latest typed message.

Each of them began the same way: take the knowledge base, read the text typed, and check the override: a typed
message that the classifier took for something else (feedback, small talk, payment, hand-over...) although it
clearly names one of the department's procedures is answered as that question (`answered_as_question`), unless its
words confirm what the classifier read. `MessageAction.run` does this once; a subclass writes `answer`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from actions.procedures import answered_as_question


class MessageAction(Action, ABC):
    # Abstract, so rasa-sdk's executor does not register it as an action of its own.
    # False: no override check before `answer` (the action checks it itself, or never).
    answers_named_procedure: bool = True
    # Words (folded) that confirm what the classifier read: a message with them is not taken for another question.
    confirmed_by: re.Pattern | None = None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = deps.knowledge_base()
        text = tracker.latest_message.get("text") or ""
        if (
            self.answers_named_procedure
            and (events := await answered_as_question(dispatcher, kb, tracker, unless=self.confirmed_by)) is not None
        ):
            return events
        return await self.answer(dispatcher, tracker, domain, kb, text)

    @abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]: ...
