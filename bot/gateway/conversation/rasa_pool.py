"""RasaPool: turns spread over several Rasa servers that share one tracker store and one lock store.

A turn goes to the healthy server with the fewest turns of this gateway in flight; among equally busy servers,
to the conversation's own one (rendezvous hashing), so on a quiet stack a conversation stays on one server.
Any server may take any turn because trackers and locks are shared, and a Rasa server works one turn at a
time on its CPU, so a turn sent to a busy server waits behind the others while an idle one could answer it at
once: hashing alone leaves bursts queued on one server while the other idles. A server counts as healthy
while it answers its status probe with a model loaded and the action server it calls answers too; a turn it
answers is a sign of life as good as a probe, so a server whose probe is slow because it is busy stays up.
Past every healthy server's capacity (bot/gateway/conversation/admission.py) a turn is refused with RasaBusy.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field

import httpx

from bot.gateway.conversation.admission import Capacity
from bot.gateway.conversation.models import Reply
from bot.gateway.conversation.rasa_client import (
    RasaBusy,
    RasaClient,
    RasaDropped,
    RasaNotReached,
    RasaStatusError,
    RasaUnavailable,
)

logger = logging.getLogger(__name__)
PROBE_INTERVAL_S = 1.0
PROBE_TIMEOUT_S = 5.0
# A refused connection is down at once; a slow answer only after this many probes in a row, so a busy server
# keeps its conversations instead of passing its load to the others.
SLOW_PROBES_TO_DOWN = 3


def preferred_order(urls: list[str], sender_id: str) -> list[str]:
    """Rendezvous hashing: every gateway ranks the servers the same way for a sender, and removing one server
    moves only the conversations it had."""

    def weight(url: str) -> bytes:
        return hashlib.blake2b(f"{url}|{sender_id}".encode(), digest_size=8).digest()

    return sorted(urls, key=weight, reverse=True)


@dataclass
class RasaServer:
    url: str
    actions_url: str | None
    client: RasaClient
    healthy: bool = True
    slow_probes: int = 0
    in_flight: int = 0
    capacity: Capacity = field(default_factory=lambda: Capacity(0.0))
    # When this server last answered a turn (time.monotonic()).
    answered_at: float = float("-inf")


class RasaPool:
    def __init__(
        self,
        urls: tuple[str, ...] | list[str],
        token: str,
        timeout_s: float = 30.0,
        *,
        actions_urls: tuple[str, ...] | list[str] = (),
        probe_interval_s: float = PROBE_INTERVAL_S,
        queue_limit_s: float = 0.0,
    ) -> None:
        """`queue_limit_s`: the longest a turn may be expected to wait for a server before it is refused as
        busy; 0 never refuses."""
        if not urls:
            raise ValueError("RasaPool needs at least one Rasa URL")
        self.servers = [
            RasaServer(
                url,
                actions_urls[i % len(actions_urls)] if actions_urls else None,
                RasaClient(url, token, timeout_s),
                capacity=Capacity(queue_limit_s),
            )
            for i, url in enumerate(urls)
        ]
        self._probe_interval_s = probe_interval_s
        self._http = httpx.AsyncClient(timeout=PROBE_TIMEOUT_S)
        self._prober: asyncio.Task | None = None

    def start(self) -> None:
        if self._prober is None:
            self._prober = asyncio.create_task(self._probe_forever(), name="rasa-pool-probe")

    async def aclose(self) -> None:
        if self._prober is not None:
            self._prober.cancel()
            await asyncio.gather(self._prober, return_exceptions=True)
        await asyncio.gather(*(s.client.aclose() for s in self.servers))
        await self._http.aclose()

    def admit(self) -> None:
        """Raises RasaBusy when every healthy server is full (every server, when none looks healthy: a turn is
        then still tried, since a probe may lag behind a recovery)."""
        candidates = [s for s in self.servers if s.healthy] or self.servers
        if not any(s.capacity.admits(s.in_flight) for s in candidates):
            raise RasaBusy("every Rasa server is at capacity")

    async def send(self, sender_id: str, text: str) -> Reply:
        self.admit()
        last: RasaUnavailable | None = None
        dropped = 0
        ranked = self._preference(sender_id)
        # Full servers only as a last resort, after the ones with room failed.
        ranked = [s for s in ranked if s.capacity.admits(s.in_flight)] + [
            s for s in ranked if not s.capacity.admits(s.in_flight)
        ]
        for server in ranked:
            server.in_flight += 1
            with_it, started = server.in_flight, time.monotonic()
            try:
                reply = await server.client.send(sender_id, text)
            except RasaNotReached as exc:
                # Nothing reached this server, so the next one may take the message without answering it twice.
                self._mark(server, False, str(exc))
                last = exc
                continue
            except RasaDropped as exc:
                # The server died: it stored nothing of an unfinished turn, so one other server may take it
                # (after Rasa's lock on the conversation, if the dead server held it, expires).
                self._mark(server, False, str(exc))
                last = exc
                dropped += 1
                if dropped > 1:
                    raise
                continue
            except RasaUnavailable:
                # A timeout or an error reply: the server may still apply the message; retrying elsewhere
                # could answer it twice.
                raise
            finally:
                server.in_flight -= 1
            server.answered_at = time.monotonic()
            server.capacity.observe(server.answered_at - started, with_it)
            server.slow_probes = 0
            if reply.messages:  # an empty reply may mean its action server is down: only the probe says
                self._mark(server, True)
            return reply
        raise last or RasaUnavailable("no Rasa server")

    async def status(self) -> dict:
        """Status of the first healthy server, with how many are up (as the background probe last saw them);
        raises RasaStatusError when that server does not answer."""
        up = [s for s in self.servers if s.healthy]
        first = up[0] if up else self.servers[0]
        status = await first.client.status()
        return {**status, "servers_up": len(up), "servers": len(self.servers)}

    def _preference(self, sender_id: str) -> list[RasaServer]:
        order = preferred_order([s.url for s in self.servers], sender_id)
        ranked = sorted(self.servers, key=lambda s: (s.in_flight, order.index(s.url)))
        # Servers believed down are still tried last: a probe may lag behind a recovery.
        return [s for s in ranked if s.healthy] + [s for s in ranked if not s.healthy]

    async def probe_all(self) -> None:
        await asyncio.gather(*(self._probe(s) for s in self.servers))

    async def _probe_forever(self) -> None:
        while True:
            try:
                await self.probe_all()
            except Exception:  # the prober must outlive any surprise
                logger.exception("Rasa probe failed")
            await asyncio.sleep(self._probe_interval_s)

    async def _probe(self, server: RasaServer) -> None:
        try:
            status = await server.client.status(timeout_s=PROBE_TIMEOUT_S)
            ok, why = bool(status.get("model_file")), "no model loaded"
            if ok and server.actions_url:
                actions = await self._http.get(f"{server.actions_url}/kb/status")
                ok, why = actions.status_code == 200, f"action server answered {actions.status_code}"
        except (RasaStatusError, httpx.TimeoutException) as exc:
            if isinstance(exc, httpx.TimeoutException) or exc.timed_out:
                if time.monotonic() - server.answered_at < PROBE_TIMEOUT_S + self._probe_interval_s:
                    return  # slow to answer its probe, but it answers turns: busy, not down
                server.slow_probes += 1
                if server.slow_probes >= SLOW_PROBES_TO_DOWN:
                    self._mark(server, False, exc.__class__.__name__)
                return
            ok, why = False, exc.detail
        except (httpx.HTTPError, ValueError) as exc:
            ok, why = False, exc.__class__.__name__
        server.slow_probes = 0
        self._mark(server, ok, why)

    @staticmethod
    def _mark(server: RasaServer, healthy: bool, why: str = "") -> None:
        if server.healthy != healthy:
            if healthy:
                logger.info("Rasa server %s is back", server.url)
            else:
                logger.warning("Rasa server %s is down (%s); its conversations go to the others", server.url, why)
        server.healthy = healthy
