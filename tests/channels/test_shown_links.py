"""A counted link shows where it goes: on Telegram an HTML link whose visible text is the portal's address, on
Zalo an "open URL" button titled with the portal's name, in plain text the address beside the link. Through the
real gateway (its link rewriter) against the fake Bot API and the fake Zalo OA API."""

from __future__ import annotations

import re
import time

import httpx

from bot.gateway.channels.shown_links import open_buttons, telegram_html
from tests.fakes.servers import eventually
from tests.fakes.telegram_api import TOKEN
from tests.fakes.zalo_api import APP_ID, OA_SECRET_KEY, FakeZalo

CHAT = 660001
PAGE = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.013225"


def test_the_forms_of_a_counted_link():
    text = "Xem https://tro-ly.gov.vn/r/AbC_12 (dichvucong.gov.vn) hoặc https://x.vn/khac (không đếm)."
    assert telegram_html(text) == (
        'Xem <a href="https://tro-ly.gov.vn/r/AbC_12">dichvucong.gov.vn</a> hoặc https://x.vn/khac (không đếm).'
    )
    assert open_buttons(text + " https://tro-ly.gov.vn/r/AbC_12 (dichvucong.gov.vn)") == [
        ("Mở Cổng Dịch vụ công quốc gia", "https://tro-ly.gov.vn/r/AbC_12")
    ]


def test_telegram_shows_the_portal_address_as_the_links_text(start_gateway, telegram):
    gateway = start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)
    eventually(lambda: telegram.called("deleteWebhook"))
    telegram.push(telegram.text(CHAT, "html"))  # the fake Rasa's answer holds the permit's national page
    [sent] = eventually(lambda: telegram.sent(CHAT))
    [(href, shown)] = re.findall(r'<a href="([^"]+)">([^<]+)</a>', sent["text"])
    assert shown == "dichvucong.gov.vn" and "/r/" in href and PAGE not in sent["text"]
    assert "&lt;script&gt;" in sent["text"]  # the rest is still escaped
    opened = httpx.get(gateway.url + href[href.index("/r/") :], follow_redirects=False)
    assert opened.status_code == 302 and opened.headers["location"] == PAGE


def test_zalo_adds_an_open_url_button_titled_with_the_portals_name(start_gateway, zalo_api):
    gateway = start_gateway(
        ZALO_APP_ID=APP_ID, ZALO_OA_SECRET_KEY=OA_SECRET_KEY, ZALO_ACCESS_TOKEN="access-1", ZALO_API_URL=zalo_api.url
    )
    raw = zalo_api.event("7710001", "html")
    assert (
        httpx.post(
            f"{gateway.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": FakeZalo.signature(raw)}
        ).status_code
        == 200
    )
    [body] = eventually(lambda: zalo_api.messages)
    time.sleep(0.3)
    assert "(dichvucong.gov.vn)" in body["message"]["text"] and PAGE not in body["message"]["text"]
    [button] = body["message"]["attachment"]["payload"]["buttons"]
    assert button["title"] == "Mở Cổng Dịch vụ công quốc gia" and button["type"] == "oa.open.url"
    assert "/r/" in button["payload"]["url"] and button["payload"]["url"] in body["message"]["text"]
