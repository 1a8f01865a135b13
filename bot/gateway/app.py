"""create_app(): the gateway every channel goes through."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import httpx
from redis.asyncio import from_url as redis_from_url
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.gateway import api, channels, web
from bot.gateway.body_limit import BodyLimit
from bot.gateway.console import setup as console
from bot.gateway.conversation import notices
from bot.gateway.conversation.outbox import Outbox
from bot.gateway.conversation.rasa_pool import RasaPool
from bot.gateway.conversation.service import ConversationService
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.settings import Settings, get_settings
from bot.gateway.state import StateStore

logger = logging.getLogger("bot.gateway.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        # The database first: channels keep their sessions and windows in it (bot/gateway/state.py).
        app.state.db_engine = create_db_engine(settings.console.database_url)
        await asyncio.to_thread(migrate, app.state.db_engine)
        app.state.db_sessions = session_factory(app.state.db_engine)
        app.state.state_store = StateStore(app.state.db_sessions)
        # Rate windows shared by every gateway (bot/gateway/limits.py); none: each gateway counts in its memory.
        app.state.redis = redis_from_url(settings.redis_url) if settings.redis_url else None
        app.state.http = httpx.AsyncClient(timeout=5.0)
        rasa_servers = settings.rasa_endpoints
        app.state.rasa = RasaPool(
            rasa_servers,
            settings.rasa_token,
            settings.rasa_timeout_s,
            actions_urls=[settings.actions_url_for(i) for i in range(len(rasa_servers))],
            queue_limit_s=settings.rasa_queue_limit_s,
        )
        app.state.rasa.start()
        app.state.conversation = ConversationService(
            app.state.rasa,
            state=app.state.state_store,
            max_text_chars=settings.max_text_chars,
            rate_limit=settings.sender_rate_per_minute,
            redis=app.state.redis,
        )
        app.state.outbox = Outbox()
        app.state.api_limits = api.ApiLimits(settings, app.state.redis)
        # Channels and the console add their own start-up here (each in its own module).
        # --- citizen channels (bot/gateway/channels): widget always; Telegram and Zalo when configured ---
        running_channels = await channels.start_channels(app)
        # --- end citizen channels ---
        # --- staff console (bot/gateway/console): database, first admin, turn recorder ---
        await asyncio.to_thread(console.start, app)
        # --- end staff console ---
        try:
            yield
        finally:
            await app.state.turn_queue.close()
            console.stop(app)
            await running_channels.stop()
            await app.state.rasa.aclose()
            if app.state.redis is not None:
                await app.state.redis.aclose()
            await app.state.http.aclose()

    app = FastAPI(title="Trợ lý thủ tục hành chính – Sở Xây dựng", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.include_router(api.router)
    app.include_router(web.router)
    app.include_router(channels.router)
    console.install(app)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_unreachable(request: Request, exc: Exception) -> JSONResponse:
        # The database stayed unreachable past the wait (bot/outage.py): the citizen is told to try again.
        logger.error("database unreachable on %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
        return JSONResponse(
            {
                "error": "the assistant is unavailable; try again shortly",
                "messages": [{"text": notices.UNAVAILABLE, "buttons": []}],
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A citizen's client must get JSON it can show, never a bare 500 page.
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; the problem was logged"}, status_code=502)

    return app


def main() -> None:
    import uvicorn

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # One line per health probe or Rasa call would drown the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = get_settings()
    settings.refuse_placeholders()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
