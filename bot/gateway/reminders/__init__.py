"""Reminders to finish filing online (issue 29): offered once on Telegram and Zalo when a citizen leaves the
walkthrough early or finishes it without a receipt code; sent once, by one gateway, at the time due."""
