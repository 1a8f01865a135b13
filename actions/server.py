"""The action server: rasa-sdk's Sanic app plus the knowledge base it owns.

Run with `python -m actions.server` (not `actions/__main__.py`: rasa-sdk imports every module of this
package, and a __main__ module would start a second server). Loading the embedder and the index takes
seconds, so it runs in a thread after the server is up; `/kb/status` tells the gateway when it is ready.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

logger = logging.getLogger("actions.server")


def create_server(settings=None):
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor
    from sanic import response

    from actions import deps

    from actions.settings import ActionSettings

    settings = settings or ActionSettings.from_env()
    deps.configure(settings.search)
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    _answer_failures_without_the_tracker(app)
    kb = deps.knowledge_base()
    reload_every = settings.kb_reload_interval_s
    token = settings.admin_token

    @app.get("/kb/status")
    async def kb_status(_request):
        status = kb.status()
        return response.json(status, status=200 if status.get("ready") else 503)

    @app.post("/kb/reload")
    async def kb_reload(request):
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(sent, token):
            return response.json({"error": "missing or wrong bearer token"}, status=401)
        changed = await asyncio.to_thread(kb.reload_if_changed)
        return response.json({"reloaded": changed, **kb.status()})

    async def load_then_watch(_app):
        try:
            await asyncio.to_thread(kb.load, lambda msg: logger.info("knowledge base: %s", msg))
            logger.info("knowledge base ready: %s", kb.status())
        except Exception:
            logger.exception("knowledge base failed to load; actions will answer that search is unavailable")
            return
        # Staff edits of knowledge_base/data reach the running assistant without a restart.
        while reload_every > 0:
            await asyncio.sleep(reload_every)
            try:
                if await asyncio.to_thread(kb.reload_if_changed):
                    logger.info("knowledge base reloaded: %s", kb.status())
            except Exception:
                logger.exception("knowledge base reload failed; still serving the previous version")

    @app.after_server_start
    async def start_loading(app_, _loop=None):
        app_.add_task(load_then_watch(app_))

    return app


def _answer_failures_without_the_tracker(app) -> None:
    """rasa-sdk answers a failed action with the whole request (tracker: the citizen's words, every slot, the
    domain) in the body, and Rasa writes that body into its error log. Ours says which action failed for
    whom, and nothing the citizen wrote."""
    from sanic import response

    async def failed(request, exception: Exception):
        try:
            call = request.json or {}
        except Exception:
            call = {}
        action = call.get("next_action") if isinstance(call, dict) else None
        sender = (call.get("tracker") or {}).get("sender_id") if isinstance(call, dict) else None
        logger.error(
            "action %s failed for %s: %s",
            action,
            sender,
            exception.__class__.__name__,
            exc_info=(exception.__class__, exception, exception.__traceback__),
        )
        return response.json(
            {"error": f"action {action} failed ({exception.__class__.__name__})", "action_name": action}, status=500
        )

    # rasa-sdk registered its own handler for Exception; Sanic refuses a second registration, so replace it in
    # Sanic's internal table (checked: the versions it was written for, and rasa-sdk's entry is there).
    _guarded_handler_table(app)[(Exception, None)] = failed


def _guarded_handler_table(app) -> dict:
    from bot.patch_guard import PatchRefused, require_attribute, require_version

    patch = "actions.server (action failures answered without the tracker)"
    require_version("sanic", patch)
    require_version("rasa-sdk", patch)
    table = require_attribute(app.error_handler, "cached_handlers", patch, "sanic")
    if not isinstance(table, dict) or (Exception, None) not in table:
        raise PatchRefused(
            f"{patch}: Sanic's error_handler.cached_handlers holds no handler for Exception to replace "
            f"(rasa-sdk registers one); written for sanic 25.12.x and rasa-sdk 3.21.x"
        )
    return table


def main() -> None:
    from actions.settings import ActionSettings

    settings = ActionSettings.from_env()
    settings.refuse_placeholders()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # At DEBUG rasa-sdk logs every action call with its tracker: the citizen's words and every slot.
    logging.getLogger("rasa_sdk").setLevel(max(logging.INFO, logging.getLogger().level))
    host, port = settings.host, settings.port
    app = create_server(settings)
    logger.info("action server on http://%s:%d", host, port)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
