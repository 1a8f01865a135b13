"""Alembic environment: always run programmatically by bot.gateway.db.engine.migrate with a live connection."""

from __future__ import annotations

from alembic import context

from bot.gateway.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.gateway.db.engine.migrate(engine), not the alembic command line")
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
