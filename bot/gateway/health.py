"""Readiness of the three parts the gateway depends on, checked concurrently."""

from __future__ import annotations

import asyncio

import httpx

from bot.gateway.conversation.rasa_client import RasaStatusError
from bot.gateway.conversation.rasa_pool import RasaPool


async def _rasa(rasa: RasaPool) -> dict:
    try:
        status = await rasa.status()
    except RasaStatusError as exc:
        return {"state": "error" if exc.answered else "down", "detail": exc.detail}
    if not status.get("model_file"):
        return {"state": "starting", "detail": "no model loaded"}
    return {
        "state": "ready",
        "model": status.get("model_file"),
        "servers_up": f"{status.get('servers_up', 1)}/{status.get('servers', 1)}",
    }


async def _action_server(http: httpx.AsyncClient, actions_url: str) -> tuple[dict, dict]:
    try:
        server = await http.get(f"{actions_url}/health", timeout=3.0)
        kb = await http.get(f"{actions_url}/kb/status", timeout=3.0)
        kb_json = kb.json()
    except (httpx.HTTPError, ValueError) as exc:
        down = {"state": "down", "detail": exc.__class__.__name__}
        return down, dict(down)
    action_state = {"state": "ready" if server.status_code == 200 else "error"}
    index_state = {"state": "ready" if kb_json.get("ready") else "starting", **kb_json}
    return action_state, index_state


async def _actions(http: httpx.AsyncClient, actions_urls: tuple[str, ...]) -> tuple[dict, dict]:
    """Ready while at least one action server (and its index) is; how many are up, when there are several."""
    states = await asyncio.gather(*(_action_server(http, url) for url in actions_urls))
    ready = [pair for pair in states if pair[0]["state"] == "ready" and pair[1]["state"] == "ready"]
    action_state, index_state = ready[0] if ready else states[0]
    if len(actions_urls) > 1:
        action_state = {**action_state, "servers_up": f"{len(ready)}/{len(actions_urls)}"}
    return action_state, index_state


async def check(rasa: RasaPool, http: httpx.AsyncClient, actions_urls: tuple[str, ...]) -> tuple[bool, dict]:
    rasa_state, (action_state, index_state) = await asyncio.gather(_rasa(rasa), _actions(http, actions_urls))
    components = {"rasa": rasa_state, "action_server": action_state, "index": index_state}
    ready = all(c["state"] == "ready" for c in components.values())
    return ready, {"status": "ready" if ready else "unavailable", "components": components}
