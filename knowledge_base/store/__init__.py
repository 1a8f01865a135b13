"""The knowledge base as stored: its schema (models.py), the files under knowledge_base/data/ and how they are
read, checked and published (disk.py), short titles, and the directory of other agencies' matters."""
