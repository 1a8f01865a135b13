"""Rasa pipeline components. Rasa imports them in its own environment (.venv-rasa), so they may use only
the standard library, Rasa and `knowledge_base.text`."""
