"""A fake Rasa that also plays the online-filing walkthrough as our actions do (actions/online_guide.py): one step
per reply with Tiếp / Xong buttons and the funnel marks the gateway reads; the rest as tests/fakes/rasa.py."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request

from tests.fakes.rasa import scripted_reply

PROCEDURE = "1.013225"
ASK = "hướng dẫn nộp trực tuyến"
START = "/start_guide"
NEXT = '/guide_nav{"nav": "next"}'
DONE = '/guide_nav{"nav": "done"}'
STEPS = ("login", "find", "fill", "submit", "track")
FEEDBACK = [
    {"title": "👍 Hữu ích", "payload": '/feedback{"value": "good"}'},
    {"title": "👎 Chưa đúng", "payload": '/feedback{"value": "bad"}'},
]


def _mark(event: str, detail: str | None = None) -> dict:
    return {"custom": {"funnel": {"event": event, "procedure": PROCEDURE, "detail": detail}}}


def _step(index: int) -> list[dict]:
    nav = [{"title": "Tiếp ▶", "payload": NEXT}, {"title": "Xong", "payload": DONE}]
    return [{"text": f"Bước {index + 1}/{len(STEPS)}: {STEPS[index]}", "buttons": nav}, _mark("step", STEPS[index])]


def guide_rasa() -> FastAPI:
    app = FastAPI()
    app.state.received = []
    walking: dict[str, int] = {}  # sender -> step shown

    def reply(sender: str, text: str) -> list[dict]:
        if text == ASK:
            return [
                {
                    "text": f"Thủ tục {PROCEDURE} nộp trực tuyến được.",
                    "buttons": [{"title": "Hướng dẫn từng bước", "payload": START}],
                },
                {"custom": {"turn": {"status": "answered", "procedure": PROCEDURE}}},
            ]
        if text == START or text.startswith(START + "{"):
            entities = json.loads(text[len(START) :] or "{}")
            offset = entities.get("offset")
            walking[sender] = STEPS.index(offset) if offset in STEPS else 0
            return [{"text": "Hướng dẫn nộp trực tuyến:"}, _mark("started"), *_step(walking[sender])]
        if text in (NEXT, DONE) and sender in walking:
            step = walking[sender] + (1 if text == NEXT else 0)
            if text == NEXT and step < len(STEPS):
                walking[sender] = step
                return _step(step)
            del walking[sender]
            finished = [_mark("finished")] if text == NEXT else []
            return [
                {"text": "Bạn đã xem xong hướng dẫn." if finished else "Đã dừng hướng dẫn."},
                {"text": "Câu trả lời có giúp ích không?", "buttons": FEEDBACK},
                *finished,
            ]
        walking.pop(sender, None)
        return scripted_reply(text)

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request):
        body = await request.json()
        app.state.received.append((body["sender"], body["message"]))
        return [{"recipient_id": body["sender"], **m} for m in reply(body["sender"], body["message"])]

    @app.get("/status")
    async def status():
        return {"model_file": "fake.tar.gz", "num_active_training_jobs": 0}

    return app
