"""Getting procedures into the knowledge base: the national-record importer (national.py, kb_import.py) and the
staff spreadsheet's import and export (kb_xlsx.py). Writes through knowledge_base.store."""
