"""General guidance: payment, status lookup, contact, menu, hand-over to staff, feedback, fallback."""

from __future__ import annotations

import asyncio
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import buttons
from actions.base import MessageAction
from actions.deps import knowledge_base
from actions.texts import render, say
from actions.focus import entity
from knowledge_base.understanding.reading import read
from knowledge_base.search.choices import acknowledgement
from knowledge_base.search.question import reduce_question
from knowledge_base.search.siblings import question_cues
from knowledge_base.text import fold
from actions.procedures import (
    ActionAnswerProcedure,
    answer_from_search,
    answered_as_question,
    aspect_answer,
    merger_note,
    opening,
)
from actions.turns import report_funnel, report_turn

logger = logging.getLogger(__name__)
# Receipt code of a one-stop file: <unit>.H<province>-<yymmdd>-<number>, e.g. 000.00.04.H22-250801-0001.
RECEIPT_CODE = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}\b", re.IGNORECASE)
MENU_FILE = Path(__file__).with_name("menu.yml")
# Words (folded) that confirm what the classifier read, so a procedure named beside them does not override it.
PAYMENT_WORDS = re.compile(r"\b(?:thanh toan|tra tien|chuyen khoan|paygov|vi dien tu|ngan hang|the atm|nop tien)\b")
# A wish for something done ("muốn xóa đăng ký"): a request, where a look-up asks after a file already filed.
WISH_WORDS = re.compile(r"\b(?:muon|can|xin|dinh|mong)\b")
STATUS_WORDS = re.compile(r"\b(?:tra cuu|tinh trang|ma ho so|ma bien nhan|den dau roi|theo doi ho so|ket qua ho so)\b")
CONTACT_WORDS = re.compile(
    r"\b(?:dien thoai|sdt|hotline|duong day nong|dia chi|lien he|lien lac|gio lam viec|email|"
    r"tru so|o dau|so may)\b"
)
# "có những thủ tục nào", "bạn giúp được gì": the menu asked for, not a procedure named.
MENU_WORDS = re.compile(
    r"\b(?:menu|danh muc|danh sach|thu tuc (?:nao|hay|thuong|pho bien)|nhung muc|lua chon"
    r"|giup (?:duoc |dc )?gi|lam (?:duoc|dc) gi|huong dan su dung|bat dau lai|hoi gi)\b"
)
HANDOFF_WORDS = re.compile(
    r"\b(?:can bo|nguoi that|nhan vien|chuyen vien|tong dai|gap nguoi|tu van vien|"
    r"noi chuyen|nguoi phu trach|lanh dao)\b"
)


@lru_cache(maxsize=1)
def menu_codes() -> list[str]:
    return [str(code) for code in yaml.safe_load(MENU_FILE.read_text(encoding="utf-8")) or []]


def contact_details(kb) -> str | None:
    d = kb.department
    lines = [
        f"{label}: {value}"
        for label, value in (
            ("Địa chỉ", d.service_centre_address),
            ("Điện thoại", d.hotline),
            ("Email", d.email),
            ("Giờ làm việc", d.opening_hours),
            ("Cổng dịch vụ công của tỉnh", d.provincial_portal),
        )
        if value
    ]
    return "\n".join(lines) or None


class ActionAnswerPayment(MessageAction):
    confirmed_by = PAYMENT_WORDS

    def name(self) -> str:
        return "action_answer_payment"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        focus = kb.get(tracker.get_slot("procedure_code") or "") if kb.ready else None
        if focus is not None and not PAYMENT_WORDS.search(fold(text)) and "fee" in reduce_question(text).aspects:
            # "lệ phí thế nào" after an answer asks how much, not how to pay.
            return aspect_answer(dispatcher, kb, focus, "fee", reason="fee (read as payment)")
        say(dispatcher, "payment", paygov=kb.department.paygov)
        report_turn(dispatcher, "answered", tracker.get_slot("procedure_code"), reason="payment")
        return []


class ActionStatusLookup(MessageAction):
    answers_named_procedure = False  # asked after the receipt code is looked for (below)

    def name(self) -> str:
        return "action_status_lookup"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        portal = kb.department.national_portal
        match = RECEIPT_CODE.search(text)
        if match:
            say(dispatcher, "status_lookup", receipt=match.group(0).upper(), portal=portal)
            # Funnel step 6 (reported, not verified): attributed to the procedure in focus, if any.
            report_funnel(dispatcher, "receipt", tracker.get_slot("procedure_code"))
        elif (
            events := await answered_as_question(dispatcher, kb, tracker, unless=STATUS_WORDS, asking=True)
        ) is not None:
            # "… định xây nhà, nộp hồ sơ ở đâu, lệ phí bao nhiêu?": "nộp hồ sơ" is not a file to look up.
            return events
        elif (
            kb.ready
            and not STATUS_WORDS.search(fold(text))
            and read(text).names_something
            and (found := await asyncio.to_thread(kb.search, text, 5)).results
            and found.results[0].in_scope
            and (found.confident or found.leads or WISH_WORDS.search(fold(text)))
        ):
            # Neither a receipt code nor a word of looking up, and search finds a department procedure it is
            # sure of, or the message wishes for one ("sà lan hỏng hẳn, muốn xóa đăng ký"): a request for it,
            # answered (or asked about, among close candidates), not a file to follow.
            opening(dispatcher, kb, text)
            return await answer_from_search(dispatcher, kb, text, found=found)
        else:
            say(dispatcher, "status_lookup_no_code", portal=portal)
        report_turn(dispatcher, "answered", reason="status lookup")
        return []


class ActionContact(MessageAction):
    # A procedure's long name ("thỏa thuận thông số kỹ thuật … luồng đường thủy") read as a contact question.
    confirmed_by = CONTACT_WORDS

    def name(self) -> str:
        return "action_contact"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        turn = read(text)
        if not CONTACT_WORDS.search(fold(text)) and turn.names_something and opening(dispatcher, kb, text):
            # No contact word at all, and it names something search is unsure of: the candidates, not an address.
            return await answer_from_search(dispatcher, kb, text)
        if turn.mentions_ha_giang:
            merger_note(dispatcher, kb)
        details = contact_details(kb)
        if details:
            say(dispatcher, "contact", name=kb.department.name, details=details)
        else:
            say(dispatcher, "contact_unknown", name=kb.department.name, portal=kb.department.national_portal)
        report_turn(dispatcher, "answered", reason="contact")
        return []


class ActionShowMenu(MessageAction):
    confirmed_by = MENU_WORDS  # "thủ tục bãi bỏ đường ngang" read as the menu: it names a procedure

    def name(self) -> str:
        return "action_show_menu"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        choices = []
        for code in menu_codes():
            procedure = kb.get(code) if kb.ready else None
            if procedure is None:
                logger.warning("menu code %s is not in the knowledge base", code)
                continue
            choices.append(buttons.choose_procedure(code, procedure.name))
        say(dispatcher, "menu", buttons=choices)
        report_turn(dispatcher, "chat", reason="menu")
        return []


class ActionHandoff(MessageAction):
    confirmed_by = HANDOFF_WORDS

    def name(self) -> str:
        return "action_handoff"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        details = contact_details(kb)
        if staff_can_reply(tracker.sender_id):
            contact = (
                f"Bạn cũng có thể liên hệ trực tiếp:\n{details}"
                if details
                else f"Bạn cũng có thể tra cứu tại {kb.department.national_portal}."
            )
            say(dispatcher, "handoff", contact=contact)
            reason = "citizen asked for staff"
        else:
            say(
                dispatcher,
                "handoff_no_staff",
                contact=details or render("handoff_no_staff_portal", portal=kb.department.national_portal),
            )
            reason = "citizen asked for staff on a channel staff cannot reply to"
        report_turn(dispatcher, "handed_over", tracker.get_slot("procedure_code"), reason=reason)
        return []


# Channels where a staff reply from the console reaches the citizen (the gateway's outbox). The gateway
# names Rasa's sender "<channel>:<id>"; the plain API (`api`) has no way back to its caller.
STAFF_REPLY_CHANNELS = frozenset({"widget", "telegram", "zalo"})


def staff_can_reply(sender_id: str | None) -> bool:
    channel, _, _ = (sender_id or "").partition(":")
    return channel in STAFF_REPLY_CHANNELS


class ActionFeedback(MessageAction):
    def name(self) -> str:
        return "action_feedback"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        value = entity(tracker, "value")
        if value is None and tracker.get_slot("procedure_code") and question_cues(fold(text)).actions:
            # "bị mất rồi thì sao" typed after an answer: the citizen's case, not a verdict on the answer.
            return await ActionAnswerProcedure().run(dispatcher, tracker, domain)
        good = value == "good"
        say(dispatcher, "feedback_good" if good else "feedback_bad")
        report_turn(dispatcher, "feedback", tracker.get_slot("procedure_code"), reason="good" if good else "bad")
        return []


class ActionOutOfScope(MessageAction):
    """Not the department's business (weather, gold prices...): said politely and recorded for staff."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        say(dispatcher, "out_of_scope", buttons=buttons.help_options())
        report_turn(dispatcher, "out_of_scope", reason="not an administrative procedure")
        return []


GUIDE_ME = re.compile(r"\bhuong dan\b|\bchi (?:giup|cho|toi|minh|em)\b")


class ActionAcknowledge(MessageAction):
    """A yes, a no or a walkthrough word with nothing open to apply it to ("ok", "thôi", "tiếp"): acknowledged.
    Anything else the classifier read as one (gibberish) gets the honest fallback."""

    answers_named_procedure = False

    def name(self) -> str:
        return "action_acknowledge"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], kb, text: str
    ) -> list[dict[str, Any]]:
        focus = kb.get(tracker.get_slot("procedure_code") or "") if kb.ready else None
        if focus is not None and GUIDE_ME.search(fold(text)):
            # "ừ hướng dẫn đi" with no walkthrough offered: how to file the procedure in focus (online with the
            # walkthrough offer when it can be, else the ways it is filed).
            return aspect_answer(dispatcher, kb, focus, "online", reason="asked to be guided")
        if text.startswith("/") or acknowledgement(text):
            say(dispatcher, "acknowledged")
            report_turn(dispatcher, "chat", reason="acknowledged")
            return []
        return await ActionFallback().run(dispatcher, tracker, domain)


class ActionFallback(Action):
    """Core fallback: the dialogue policy was unsure what to do; say so and record it for staff."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        portal = knowledge_base().department.national_portal
        say(dispatcher, "fallback", portal=portal, buttons=buttons.help_options())
        report_turn(dispatcher, "fallback", reason="dialogue policy unsure")
        return [UserUtteranceReverted()]
