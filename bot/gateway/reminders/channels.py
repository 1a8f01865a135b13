"""How a reminder goes out on each channel, and what each channel's refusal means (NotDelivered)."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.gateway.channels.zalo import FREE_WINDOW_S, WINDOW_KEY
from bot.gateway.channels.zalo_client import WINDOW_ERRORS, ZaloApiError
from bot.gateway.conversation.models import OutgoingMessage
from bot.gateway.reminders.service import NotDelivered, Send


def telegram_sender(channel) -> Send:
    async def send(user_id: str, messages: list[OutgoingMessage], now: datetime) -> None:
        if not channel.ready.is_set():
            raise NotDelivered("later", "Telegram not connected yet", retry_at=now + timedelta(minutes=1))
        try:
            async with channel._in_order(user_id):  # not in the middle of an answer to this chat
                await channel.send(int(user_id), messages)
        except Forbidden as exc:
            raise NotDelivered("blocked", f"người dân đã chặn bot hoặc rời cuộc trò chuyện ({exc})") from exc
        except RetryAfter as exc:
            # Telegram's rate limit: not delivered, to try again when it says.
            wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
            raise NotDelivered("later", "Telegram rate limit", retry_at=now + timedelta(seconds=wait + 1)) from exc
        except BadRequest as exc:
            raise NotDelivered("failed", f"Telegram từ chối tin nhắn ({exc})") from exc

    return send


def zalo_sender(channel, store) -> Send:
    async def send(user_id: str, messages: list[OutgoingMessage], now: datetime) -> None:
        last = await store.aget(WINDOW_KEY.format(user_id=user_id))
        if not isinstance(last, (int, float)) or now.timestamp() - last > FREE_WINDOW_S:
            raise NotDelivered(
                "window_closed",
                "quá 48 giờ từ tin nhắn cuối của người dân: Zalo không cho OA nhắn lại, lời nhắc không được gửi",
            )
        try:
            async with channel._in_order(user_id):
                await channel.send({"user_id": user_id}, user_id, messages)
        except ZaloApiError as exc:
            if exc.code in WINDOW_ERRORS:
                raise NotDelivered(
                    "window_closed", f"Zalo từ chối: ngoài khung nhắn lại hoặc hết lượt ({exc.code})"
                ) from exc
            raise NotDelivered("failed", str(exc)) from exc

    return send
