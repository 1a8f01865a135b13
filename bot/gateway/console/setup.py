"""Wiring of the console into the gateway: routes at create_app(), database and recorder at start-up."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bot.gateway.console import links
from bot.gateway.console.recorder import TurnRecorder
from bot.gateway.console.turn_queue import RecordingQueue
from bot.gateway.console.router import error_response, router
from bot.gateway.console.impact import ImpactService
from bot.gateway.console.service import ConsoleError, ConsoleService
from bot.gateway.console.settings import ConsoleSettings
from bot.gateway.db.engine import create_db_engine, migrate, session_factory

logger = logging.getLogger("bot.gateway.console")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(links.router)  # /r/<token>: counted links to the national portal
    app.add_exception_handler(ConsoleError, error_response)


def start(app: FastAPI, settings: ConsoleSettings | None = None) -> None:
    """Open the database (migrating it), create the first admin, and record every turn from now on.

    Call in the lifespan after app.state.conversation, app.state.outbox and app.state.http exist.
    """
    state = app.state
    settings = settings or state.settings.console
    sessions = getattr(state, "db_sessions", None)
    if sessions is None:
        engine = create_db_engine(settings.database_url)
        migrate(engine)
        sessions = session_factory(engine)
        state.db_engine, state.db_sessions = engine, sessions
    state.console = ConsoleService(sessions, settings, state.outbox, state.http)
    state.impact = ImpactService(state.console)
    state.impact.warm_later()  # in its own process, at a lower priority than citizens' turns
    logger.info("staff console: %s", state.console.bootstrap())
    # Off the reply path: the observer only queues the turn (bot/gateway/console/turn_queue.py).
    state.turn_queue = RecordingQueue(TurnRecorder(sessions).record_all)
    state.conversation.observers.append(state.turn_queue)
    state.conversation.reply_filters.append(
        links.LinkRewriter(sessions, settings.public_url, settings.funnel_link_hosts)
    )


def stop(app: FastAPI) -> None:
    impact = getattr(app.state, "impact", None)
    if impact is not None:
        impact.close()
    engine = getattr(app.state, "db_engine", None)
    if engine is not None:
        engine.dispose()
