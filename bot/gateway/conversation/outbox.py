"""Messages the assistant's staff push to a citizen outside a turn (a staff reply from the console).

Each channel registers how it delivers to one of its users; the console only names the channel and user.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.gateway.conversation.models import OutgoingMessage

logger = logging.getLogger(__name__)
Deliver = Callable[[str, list[OutgoingMessage]], Awaitable[None]]


class ChannelUnavailable(Exception):
    """The channel is not configured here, or refused the message (e.g. Zalo's 48-hour window closed)."""


class Outbox:
    def __init__(self) -> None:
        self._channels: dict[str, Deliver] = {}

    def register(self, channel: str, deliver: Deliver) -> None:
        self._channels[channel] = deliver

    @property
    def channels(self) -> list[str]:
        return sorted(self._channels)

    async def push(self, channel: str, user_id: str, messages: list[OutgoingMessage]) -> None:
        deliver = self._channels.get(channel)
        if deliver is None:
            raise ChannelUnavailable(f"channel {channel!r} is not enabled on this gateway")
        await deliver(user_id, messages)
