"""The gateway process (`python -m bot.gateway.app`): every channel goes through it to Rasa."""
