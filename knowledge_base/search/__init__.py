"""Search over the stored knowledge base: the embedder, the FAISS and lexical indexes, the ranking, and what a
question is reduced to (question.py, choices.py, siblings.py, aliases.py). knowledge_base.service puts it together."""
