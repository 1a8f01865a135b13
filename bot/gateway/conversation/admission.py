"""Admission: past capacity a turn is answered "busy" at once instead of queueing to the 30 s timeout.

A Rasa server works its turns on one core, so a turn sent while k others are in flight there waits about k
service times. Each server's service time is learnt from the turns that complete: a turn's latency divided
by the turns that were in flight with it (itself included), smoothed. A server admits a turn while its turns in
flight fit within RASA_QUEUE_LIMIT_S of that service time; when no healthy server admits, the turn is refused.

Several gateways share the servers and each counts only its own turns, but each gateway's latencies include
the others' load, so its estimate of the service time grows and its share of the slots shrinks to match.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from statistics import median

# A guess until the first turns complete: a turn costs 20-40 ms of a Rasa server's CPU on the reference machine.
INITIAL_SERVICE_S = 0.05
# Turns the estimate is the median of: about a second of a busy server's work.
SAMPLES = 31
# However slow the server looks, this many turns may be in flight: a slow estimate must not refuse everything.
MIN_SLOTS = 2


@dataclass
class Capacity:
    limit_s: float
    service_s: float = INITIAL_SERVICE_S
    _samples: deque = field(default_factory=lambda: deque(maxlen=SAMPLES), repr=False)

    @property
    def slots(self) -> int:
        """Turns this server may have in flight before a new one would wait longer than `limit_s`."""
        return max(MIN_SLOTS, int(self.limit_s / self.service_s))

    def admits(self, in_flight: int) -> bool:
        return self.limit_s <= 0 or in_flight < self.slots

    def observe(self, latency_s: float, in_flight_with_it: int) -> None:
        """A turn answered after `latency_s` while `in_flight_with_it` turns (itself included) were in flight
        on its server when it was sent."""
        self._samples.append(latency_s / max(1, in_flight_with_it))
        self.service_s = median(self._samples)
