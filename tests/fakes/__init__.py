"""Local fake servers speaking the real HTTP protocols of Rasa, the Telegram Bot API and the Zalo OA API."""
