"""Answer a procedure question: the one answer, a choice between close candidates, a redirect, or 'not found'."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answering, answers, buttons, cases, paging
from actions.deps import knowledge_base
from actions.faq import matching_faq
from actions.texts import say
from actions.focus import clearly_other_agency, entity, relative, resolve, settled_by_focus
from knowledge_base.understanding.reading import read
from knowledge_base.understanding.wording import (
    names_something,
    story,
    tells_own_situation,
    topic_words,
    without_pointer,
)
from actions.turns import report_search, report_turn
from knowledge_base.store import short_titles
from knowledge_base.search.question import reduce_question
from knowledge_base.service import AgencyMatter, SearchHit, SearchResponse
from knowledge_base.text import fold

CHOICES = 3
ALTERNATIVES = 2  # offered under an answer that leads without being sure
# Below this hybrid score the candidates of an unsure search are noise (gibberish scores ~0.2, chit-chat
# ~0.25, a bare "chứng chỉ" ~0.38): offering them as choices would only mislead.
CLARIFY_MIN_SCORE = 0.3
# A message of at most this many topic words, with a procedure in focus, may be a detail of the citizen's case
# ("nhà 3 tầng ở xã", "công trình cấp II của công ty") rather than a new question.
DETAIL_WORDS = 6


def aspect_answer(dispatcher: CollectingDispatcher, kb, procedure, aspect: str, reason: str) -> list:
    """One aspect of a procedure answered outside the aspect action, with the feedback question and the turn."""
    events = answering.aspect(dispatcher, kb, procedure, aspect, None)
    say(dispatcher, "ask_feedback", buttons=buttons.feedback())
    report_turn(dispatcher, "answered", procedure.code, reason=reason)
    return events


def merger_note(dispatcher: CollectingDispatcher, kb) -> None:
    """Citizens still say "Sở Xây dựng Hà Giang": explain the 2025 merger from the department profile."""
    department = kb.department
    say(
        dispatcher,
        "merger_note",
        merged_on=department.merged_on.strftime("%d/%m/%Y"),
        former_name=(department.former_names or ["Sở Xây dựng tỉnh Hà Giang"])[0],
        name=department.name,
    )


def redirect(dispatcher: CollectingDispatcher, kb, hit) -> None:
    """Another agency's matter (the directory, other_agencies.yml) or procedure (a catalogue hit): who handles
    it, that the department does not, and its national page."""
    if isinstance(hit, AgencyMatter):
        say(dispatcher, "other_agency_matter", description=hit.description, agency=hit.agency, url=hit.url)
        report_turn(dispatcher, "out_of_scope", hit.code, None, reason=f"another agency's matter ({hit.key})")
        return
    say(
        dispatcher,
        "procedure_other_agency",
        name=short_titles.derive(hit.name),
        code=hit.code,
        agency=hit.agency or "cơ quan có thẩm quyền khác",
        url=kb.national_page(hit.code),
    )
    report_turn(dispatcher, "out_of_scope", hit.code, hit.score, reason="another agency's procedure")


_MATTER_REASON = re.compile(r"^another agency's matter \((\w+)\)$")
ASPECT_WORDS = {
    "documents": "hồ sơ",
    "fee": "phí, lệ phí",
    "time": "thời hạn giải quyết",
    "where": "nơi nộp",
    "online": "cách nộp trực tuyến",
}


def redirected_before(kb, tracker: Tracker) -> tuple[str, str, str] | None:
    """What the previous answer sent to another agency (what, agency, url), read from its turn report; None when
    the previous answer was anything else. A bare follow-up after a redirect ("nộp online được không", "phí?")
    is about that matter, not about a department procedure asked before it."""
    events = list(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    for event in reversed(events[users[-2] : users[-1]]):
        turn = ((event.get("data") or {}).get("custom") or {}).get("turn") if event.get("event") == "bot" else None
        if not turn:
            continue
        if turn.get("status") != "out_of_scope":
            return None
        if (m := _MATTER_REASON.match(turn.get("reason") or "")) and (matter := kb.agency_matter(m.group(1))):
            return f"Việc {matter.description}", matter.agency, matter.url
        code = turn.get("procedure")
        entry = kb.catalogue_entry(code) if code else None
        if entry is not None:
            return f'Thủ tục "{short_titles.derive(entry.name)}" (mã {code})', entry.agency, kb.national_page(code)
        return None
    return None


async def answer_after_redirect(dispatcher: CollectingDispatcher, kb, tracker: Tracker, text: str) -> bool:
    """Only an aspect asked right after a redirect: said again that it is the other agency's, for that aspect."""
    before = redirected_before(kb, tracker)
    asked = [a for a in read(text).aspects if a in ASPECT_WORDS]
    if before is None or not asked:
        return False
    found = await asyncio.to_thread(kb.search, text, 5)
    if found.results and found.results[0].in_scope and (found.confident or found.leads):
        return False  # it names a department procedure of its own ("giấy phép xây dựng phí bao nhiêu")
    if found.other_agency is not None:
        return False  # another matter: redirected in its turn
    what, agency, url = before
    aspects = ", ".join(ASPECT_WORDS[a] for a in asked)
    say(dispatcher, "other_agency_followup", what=what, agency=agency, aspects=aspects, url=url)
    report_turn(dispatcher, "out_of_scope", None, None, reason=f"{'+'.join(asked)} of the matter redirected before")
    return True


def not_found(dispatcher: CollectingDispatcher, kb, reason: str, confidence: float | None = None) -> None:
    say(dispatcher, "procedure_not_found", portal=kb.department.national_portal, buttons=buttons.help_options())
    report_turn(dispatcher, "fallback", None, confidence, reason=reason)


def summary(
    dispatcher: CollectingDispatcher,
    kb,
    code: str,
    confidence: float | None,
    question: str = "",
    case: int | None = None,
) -> list[dict[str, Any]]:
    procedure = kb.get(code)
    department = kb.department
    faq = matching_faq(procedure, question) if question else None
    # Short title first, the full national name once at the end; long summaries continue with "Xem thêm".
    # A staff answer to this very question comes first, on the same pages (so within the same limits).
    faq_index = procedure.faqs.index(faq) if faq is not None else None
    listing = paging.send_page(
        dispatcher,
        procedure.code,
        "summary",
        answers.summary(procedure, department, faq=faq_index),
        extra_buttons=buttons.aspects(procedure.has_online_channel),
        remember={"faq": faq_index} if faq is not None else None,
    )
    say(dispatcher, "ask_feedback", buttons=buttons.feedback())
    report_turn(dispatcher, "answered", procedure.code, confidence)
    case_slot = str(case + 1) if case is not None else None
    return [SlotSet("procedure_code", procedure.code), SlotSet("case", case_slot), *listing]


def answer(
    dispatcher: CollectingDispatcher,
    kb,
    code: str,
    confidence: float | None,
    question: str = "",
    case: int | None = None,
    aspects: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The first answer about a procedure: every aspect the message asks of it, or its summary (which also
    answers "do I need a permit?" asked alone: which procedure, who handles it, how to file)."""
    if not aspects or set(aspects) == {"permit_needed"}:
        return summary(dispatcher, kb, code, confidence, question, case)
    procedure = kb.get(code)
    case_slot = str(case + 1) if case is not None else None
    events = [
        SlotSet("procedure_code", code),
        SlotSet("case", case_slot),
        SlotSet("asked_aspects", None),
        *answering.several(dispatcher, kb, procedure, aspects, case),
    ]
    say(dispatcher, "ask_feedback", buttons=buttons.feedback())
    report_turn(dispatcher, "answered", code, confidence, reason="+".join(aspects))
    return events


def which_sibling(dispatcher: CollectingDispatcher, kb, found, aspects: list[str]) -> list[dict[str, Any]]:
    """Siblings the question leaves open (new / renewal / reissue, commune / department level): one short
    question with them as choices; what was asked is answered for the one chosen."""
    siblings = [kb.get(code) for code in found.ambiguous_between if kb.get(code) is not None][: CHOICES + 1]
    titles = [p.short_title for p in siblings]
    contrast = None
    if any(t.endswith("…") for t in titles) and not any(p.short_title_by_staff for p in siblings):
        # Titles cut before their difference ("…đồng thời…", "…nhưng…") give nothing to choose by.
        contrast = short_titles.contrasted([p.name for p in siblings])
    if contrast is not None:
        head, titles = contrast
        say(
            dispatcher,
            "procedure_which_case_of",
            head=head,
            buttons=[buttons.choose_procedure(p.code, p.name, title) for p, title in zip(siblings, titles)],
        )
    else:
        say(dispatcher, "procedure_which_sibling", buttons=[buttons.choose_procedure(p.code, p.name) for p in siblings])
    report_turn(dispatcher, "clarified", siblings[0].code, found.results[0].score, reason="siblings")
    # The likeliest sibling is in focus meanwhile: a detail typed instead of a choice refines within the family.
    return [
        SlotSet("procedure_code", siblings[0].code),
        SlotSet("case", None),
        SlotSet("asked_aspects", aspects or None),
    ]


def opening(dispatcher: CollectingDispatcher, kb, text: str) -> bool:
    """What every procedure answer starts with; False when the knowledge base cannot answer yet."""
    if not kb.ready:
        say(dispatcher, "kb_unavailable")
        report_turn(dispatcher, "fallback", reason="knowledge base not ready")
        return False
    if read(text).mentions_ha_giang:
        merger_note(dispatcher, kb)
    return True


async def answer_from_search(
    dispatcher: CollectingDispatcher,
    kb,
    text: str,
    asked: str | None = None,
    found: SearchResponse | None = None,
    focus=None,
) -> list[dict[str, Any]]:
    """The answer to a question naming a procedure: it, a choice between close candidates, or a redirect.
    `asked`: the aspect the classifier read in the question, answered with those search found in its words;
    `found`: the search of `text` when the caller already made it; `focus`: the procedure in focus, whose
    grade settles siblings the question leaves open."""
    found = found or await asyncio.to_thread(kb.search, text, 5)
    report_search(dispatcher, found)
    if asked and asked not in found.aspects:
        found.aspects = [asked, *found.aspects]
    if found.other_agency is not None:
        redirect(dispatcher, kb, found.other_agency)
        return []
    if not found.results:
        not_found(dispatcher, kb, "no search result")
        return []
    if (settled := settled_by_focus(found, focus)) is not None:
        return answer(
            dispatcher,
            kb,
            settled.code,
            settled.score,
            text,
            case=cases.inferred(kb.get(settled.code), [text]),
            aspects=found.aspects,
        )
    top = found.results[0]
    if (other := clearly_other_agency(found, text, kb.generic_words())) is not None:
        redirect(dispatcher, kb, other)
        return []
    if found.confident and top.in_scope:
        if len(found.ambiguous_between) > 1:
            return which_sibling(dispatcher, kb, found, found.aspects)
        events = answer(
            dispatcher,
            kb,
            top.code,
            top.score,
            text,
            case=cases.inferred(kb.get(top.code), [text]),
            aspects=found.aspects,
        )
        await offer_also_asked(dispatcher, kb, text, top.code)
        return events
    choices = [hit for hit in found.results if hit.in_scope and hit.score >= CLARIFY_MIN_SCORE][:CHOICES]
    if not choices:
        not_found(dispatcher, kb, "low confidence, no department procedure", top.score)
        return []
    if (found.leads and top.in_scope) or len(choices) == 1:
        # Clearly ahead though not sure (or the only candidate): an answer the citizen can use now, with the
        # runners-up one tap or one typed number away, costs less than a question (issue 26).
        first = choices[0]
        events = answer(
            dispatcher,
            kb,
            first.code,
            first.score,
            text,
            case=cases.inferred(kb.get(first.code), [text]),
            aspects=found.aspects,
        )
        if await offer_also_asked(dispatcher, kb, text, first.code):
            return events  # two asks in one message: the other ask, not the runners-up of a mixed search
        if others := choices[1 : ALTERNATIVES + 1]:
            say(
                dispatcher, "procedure_alternatives", buttons=[buttons.choose_procedure(h.code, h.name) for h in others]
            )
        return events
    say(dispatcher, "procedure_unsure", buttons=[buttons.choose_procedure(h.code, h.name) for h in choices])
    report_turn(dispatcher, "clarified", choices[0].code, top.score, reason="close candidates")
    # The likeliest candidate is in focus meanwhile, as between siblings: a citizen who skips the choice and asks
    # on ("nộp ở đâu", "mất bao lâu") is answered for it, its title and code saying which one, not asked again.
    return [
        SlotSet("procedure_code", choices[0].code),
        SlotSet("case", None),
        SlotSet("asked_aspects", found.aspects or None),
    ]


ONE_SENTENCE_WORDS = 30
# Where a message joins two requests ("gia hạn giấy phép … và cấp lại giấy phép …"); folded.
_JOINED = re.compile(r"\s*(?:\bva\b|\bvoi ca\b|\bcung nhu\b|\bva ca\b)\s*")


async def also_asked(kb, text: str, answered: str) -> SearchHit | None:
    """A second department procedure the message asks for beside the one answered: a part of it, between
    joining words, that search finds on its own with confidence. One answer per turn; the other is offered."""
    # Several sentences tell a story, each resembling something: one answer. One sentence may join two asks.
    if len([s for s in re.split(r"[.!?\n]+", text) if s.strip()]) > 1 or len(text.split()) > ONE_SENTENCE_WORDS:
        return None
    told = reduce_question(text).story
    folded, cuts = fold(told), [0]
    for match in _JOINED.finditer(folded):
        cuts += [match.start(), match.end()]
    cuts.append(len(told))
    # A part telling the citizen's situation ("tôi có mảnh đất ở xã …") asks for nothing of its own.
    parts = [
        told[a:b]
        for a, b in zip(cuts[::2], cuts[1::2])
        if len(topic_words(told[a:b])) >= 2 and not tells_own_situation(told[a:b])
    ]
    if len(parts) < 2:
        return None
    tops = []
    for part in parts:
        found = await asyncio.to_thread(kb.search, part, 3)
        if found.confident and found.results and found.results[0].in_scope and found.other_agency is None:
            tops.append(found.results[0])
    if answered not in {hit.code for hit in tops}:
        return None  # the parts do not say what was answered: a story, not two requests
    return next((hit for hit in tops if hit.code != answered), None)


async def offer_also_asked(dispatcher: CollectingDispatcher, kb, text: str, answered: str) -> bool:
    if (other := await also_asked(kb, text, answered)) is None:
        return False
    procedure = kb.get(other.code)
    say(
        dispatcher,
        "procedure_also_asked",
        title=procedure.short_title if procedure else other.name,
        code=other.code,
        buttons=[buttons.choose_procedure(other.code, other.name)],
    )
    return True


def place_said(dispatcher: CollectingDispatcher, kb, focus, text: str, opened: bool = True) -> list | None:
    """Where to file the procedure in focus, when the message only says a place ("tôi ở huyện Bắc Quang, Hà
    Giang", "công trình ở xã Bắc Mê"): where the citizen lives or builds is a detail, not a new topic.
    `opened`: the caller has already said what every answer starts with (the merger note)."""
    if focus is None or not read(text).only_a_place:
        return None
    if not opened:
        opening(dispatcher, kb, text)
    return aspect_answer(dispatcher, kb, focus, "where", reason="where (a place said)")


async def answered_as_question(
    dispatcher: CollectingDispatcher, kb, tracker: Tracker, unless: re.Pattern | None = None, asking: bool = False
) -> list | None:
    """The answer to a typed message the classifier took for something else (feedback, small talk, payment,
    hand-over...) although it clearly names one of the department's procedures ("phù hiệu xe taxi" is not
    "hữu ích"); None when it names none, or when its words match `unless` (what the classifier saw is said).
    With `asking`, a message that asks what a department procedure takes (where, fee, papers, time) is answered
    even when search is unsure which procedure it names: with the close candidates to choose from."""
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/") or not kb.ready or (unless is not None and unless.search(fold(text))):
        return None
    focus = kb.get(tracker.get_slot("procedure_code") or "")
    if (events := place_said(dispatcher, kb, focus, text, opened=False)) is not None:
        return events
    # Another agency's matter is said whichever path the classifier chose ("dang ky ket hon o dau" read as a
    # receipt-code lookup, "tạm trú" as small talk): the directory decides it, not the intent.
    if (matter := await asyncio.to_thread(kb.other_agency, text, focus.code if focus else None)) is not None:
        redirect(dispatcher, kb, matter)
        return []
    if await answer_after_redirect(dispatcher, kb, tracker, text):
        return []
    turn = read(text)
    asked = [a for a in turn.aspects if a != "permit_needed"]
    if focus is not None and asked and not names_something(reduce_question(text).story):
        # Only an aspect asked ("ho so", "phí?", "bao lâu") while a procedure is in focus: that aspect of the focus,
        # whatever the classifier read (a bare "hồ sơ" is not a file to look up).
        events = answering.several(dispatcher, kb, focus, asked, cases.current(tracker, focus))
        say(dispatcher, "ask_feedback", buttons=buttons.feedback())
        report_turn(dispatcher, "answered", focus.code, reason="+".join(asked) + " of the focus")
        return events
    named = turn.names_something
    found = await asyncio.to_thread(kb.search, text, 5) if named else None
    top = found.results[0] if found and found.results else None
    sure = found is not None and found.confident and top is not None and top.in_scope
    if focus is not None and not sure and (near := await relative(kb, turn.story, focus)) is not None:
        # "còn miễn nhiệm thì sao" after the appointment: another act on the object in focus.
        opening(dispatcher, kb, text)
        return answer(
            dispatcher,
            kb,
            near.code,
            near.score,
            text,
            case=cases.inferred(kb.get(near.code), [text]),
            aspects=list(turn.aspects),
        )
    if top is None or not top.in_scope:
        return None
    if not found.confident:
        if not (asking and found.aspects):
            return None
        opening(dispatcher, kb, text)
        return await answer_from_search(dispatcher, kb, text, found=found)
    opening(dispatcher, kb, text)
    return answer(
        dispatcher, kb, top.code, top.score, text, case=cases.inferred(kb.get(top.code), [text]), aspects=found.aspects
    )


class ActionAnswerProcedure(Action):
    def name(self) -> str:
        return "action_answer_procedure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = knowledge_base()
        text = tracker.latest_message.get("text") or ""
        if not opening(dispatcher, kb, text):
            return []
        chosen = entity(tracker, "procedure_code")
        if not chosen and await answer_after_redirect(dispatcher, kb, tracker, text):
            return []
        if chosen and kb.get(chosen) is not None:
            # A choice among candidates or siblings: what the question asked is answered for the one chosen.
            return answer(
                dispatcher,
                kb,
                chosen,
                1.0,
                case=cases.inferred(kb.get(chosen), cases.said_about(tracker, chosen)),
                aspects=tracker.get_slot("asked_aspects"),
            )
        focus = kb.get(tracker.get_slot("procedure_code") or "")
        if (events := place_said(dispatcher, kb, focus, text)) is not None:
            return events
        turn = read(text)
        if tracker.get_slot("procedure_code") and len(turn.topic_words) <= DETAIL_WORDS:
            # A short message while a procedure is in focus is read as a detail of the citizen's case first.
            found = await resolve(kb, tracker, dispatcher, lambda d, hit: redirect(d, kb, hit))
            if found.handled:
                return []
            if found.procedure is not None:
                return answer(
                    dispatcher,
                    kb,
                    found.procedure.code,
                    found.confidence,
                    text,
                    case=cases.inferred(found.procedure, cases.said_about(tracker, found.procedure.code)),
                    aspects=list(turn.aspects),
                )
        if (
            not tracker.get_slot("procedure_code")
            and (turn.points_back or turn.tells_own_situation)
            and (before := _previous_question(tracker))
        ):
            # "gia hạn giấy phép đó", "công ty tôi mới thành lập" after a question that got a choice, not an
            # answer: searched with what that question named.
            text = f"{story(before)} {without_pointer(story(text))}"
        return await answer_from_search(dispatcher, kb, text, focus=focus)


def _previous_question(tracker: Tracker) -> str:
    """What the citizen typed before the latest message (a tapped button is not typed)."""
    typed = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"][:-1]
    return next((t for t in reversed(typed) if t and not t.startswith("/")), "")
