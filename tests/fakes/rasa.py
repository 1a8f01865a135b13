"""A fake Rasa server speaking its REST channel (POST /webhooks/rest/webhook) and GET /status."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request

PERMIT_PAYLOAD = '/ask_procedure{"procedure_code":"1.013225"}'
PERMIT_TITLE = "Giấy phép xây dựng nhà ở riêng lẻ"
HOSTILE = (
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> Xem '
    "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.013225 "
    "hoặc javascript:window.__pwned=3 và gọi tel:0207 3822 123."
)


def scripted_reply(text: str) -> list[dict]:
    """Answers keyed on what a test sends, shaped like Rasa's (recipient_id, text, buttons, custom)."""
    if text == PERMIT_PAYLOAD:
        return [
            {"text": "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ (mã 1.013225): nộp hồ sơ tại UBND cấp xã."},
            {"custom": {"turn": {"status": "answered", "procedure": "1.013225"}}},
        ]
    if "giấy phép" in text:
        return [{"text": "Bạn muốn hỏi thủ tục nào?", "buttons": [{"title": PERMIT_TITLE, "payload": PERMIT_PAYLOAD}]}]
    if text == "html":
        return [{"text": HOSTILE}]
    if text.startswith("dài"):
        paragraph = "Thành phần hồ sơ gồm đơn đề nghị & bản vẽ <thiết kế>. " * 30
        return [
            {
                "text": "\n\n".join(f"{i}. {paragraph}" for i in range(1, 8)),
                "buttons": [{"title": PERMIT_TITLE, "payload": PERMIT_PAYLOAD}],
            }
        ]
    return [{"text": f"Bạn hỏi: {text}"}]


def fake_rasa(delay_s: float = 0.0) -> FastAPI:
    app = FastAPI()
    app.state.received = []  # (sender, message) in arrival order
    app.state.delay_s = delay_s

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request):
        body = await request.json()
        app.state.received.append((body["sender"], body["message"]))
        if app.state.delay_s:
            await asyncio.sleep(app.state.delay_s)
        return [{"recipient_id": body["sender"], **m} for m in scripted_reply(body["message"])]

    @app.get("/status")
    async def status():
        return {"model_file": "fake.tar.gz", "num_active_training_jobs": 0}

    return app
