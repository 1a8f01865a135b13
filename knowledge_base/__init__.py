"""The department's procedures: schema, import from the national database, storage and search."""
