"""Citizen channels (website widget, Telegram, Zalo OA): thin adapters around ConversationService.

`router` holds every channel route; `start_channels(app)` starts the channels whose settings are present.
"""

from bot.gateway.channels.startup import router, start_channels

__all__ = ["router", "start_channels"]
