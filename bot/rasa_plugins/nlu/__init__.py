"""Rasa pipeline components, named in config.yml. Rasa imports them in its own environment (.venv-rasa), so they
may use only the standard library, Rasa, `knowledge_base.text` and `knowledge_base.search.embedder`."""
