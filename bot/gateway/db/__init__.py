"""Storage of turns, the review queue, staff accounts and the audit log (SQLAlchemy 2 + Alembic)."""
