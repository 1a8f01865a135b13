"""Channel-neutral conversation: every channel talks to Rasa through ConversationService."""
