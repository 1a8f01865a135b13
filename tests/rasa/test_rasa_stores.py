"""Rasa's tracker and lock stores as the Rasa servers load them (bot.rasa_plugins.tracker_store,
bot.rasa_plugins.lock_store), run in Rasa's own environment against a real SQLite file and a real Redis."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from bot.supervisor import topology, training
from tests.services import RedisServer, postgres_server, restart_postgres_command

pytestmark = pytest.mark.e2e


def _run_in_rasa(script: str, *args: str) -> object:
    done = subprocess.run(
        [str(training.RASA_PYTHON), "-c", script, *args],
        cwd=training.ROOT,
        env=training.rasa_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sqlite_tracker_store_keeps_a_conversation_for_another_rasa_server(tmp_path):
    # Two store objects on one file stand for two Rasa servers: what one saves, the other reads back.
    script = """
import asyncio, json, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.rasa_plugins.tracker_store import SQLTrackerStore
domain = Domain.load("domain.yml")
first, second = (SQLTrackerStore(domain, dialect="sqlite", db=sys.argv[1]) for _ in range(2))
async def go():
    tracker = DialogueStateTracker("citizen-1", domain.slots)
    tracker.update(UserUttered("lệ phí bao nhiêu"))
    tracker.update(SlotSet("procedure_code", "1.013225"))
    await first.save(tracker)
    tracker.update(UserUttered("nộp ở đâu"))
    await first.save(tracker)
    back = await second.retrieve("citizen-1")
    mode = second.engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
    users = [e.text for e in back.events if isinstance(e, UserUttered)]
    return {"slot": back.get_slot("procedure_code"), "users": users, "mode": mode,
            "pool": type(second.engine.pool).__name__}
print(json.dumps(asyncio.run(go()), ensure_ascii=False))
"""
    result = _run_in_rasa(script, str(tmp_path / "trackers.db"))
    assert result == {
        "slot": "1.013225",
        "users": ["lệ phí bao nhiêu", "nộp ở đâu"],
        "mode": "wal",
        "pool": "QueuePool",
    }


def test_tracker_store_writes_the_rows_rasas_own_store_writes(tmp_path):
    # The same turns through both stores, saved the way Rasa's processor saves: a new tracker, turns read back
    # and saved once or twice, and a session that starts inside a turn. Every row must match, each event once.
    script = """
import asyncio, json, sqlite3, sys
from rasa.core.tracker_store import SQLTrackerStore as RasaStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from bot.rasa_plugins.tracker_store import SQLTrackerStore
domain = Domain.load("domain.yml")
folder = sys.argv[1]
def new_session(tracker):
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event)
async def conversation(store):
    # As Rasa's processor saves: a new conversation's first turn once at its end, later turns also mid-turn.
    tracker = await store.get_or_create_tracker("citizen-1", append_action_listen=False)
    new_session(tracker)
    tracker.update(UserUttered("lệ phí bao nhiêu", {"name": "ask_fee", "confidence": 0.9}))
    tracker.update(SlotSet("procedure_code", "1.013225"))
    tracker.update(BotUttered("Lệ phí ..."))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    for turn in range(2):
        tracker = await store.retrieve("citizen-1")
        tracker.update(UserUttered(f"nộp ở đâu {turn}", {"name": "ask_where", "confidence": 0.8}))
        await store.save(tracker)
        tracker.update(ActionExecuted("action_where"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    tracker = await store.retrieve("citizen-1")  # the session expired: a new one starts inside this turn
    new_session(tracker)
    tracker.update(UserUttered("xin chào", {"name": "greet", "confidence": 0.9}))
    tracker.update(ActionExecuted("utter_greet"))
    await store.save(tracker)
    tracker = await store.retrieve("citizen-1")
    tracker.update(UserUttered("cảm ơn", {"name": "thank", "confidence": 0.9}))
    await store.save(tracker)
def rows(path):
    found = sqlite3.connect(path).execute("SELECT sender_id, type_name, intent_name, action_name, data FROM events "
                                          "ORDER BY id")
    return [[*row[:4], {k: v for k, v in json.loads(row[4]).items() if k != "timestamp"}] for row in found]
asyncio.run(conversation(SQLTrackerStore(domain, dialect="sqlite", db=f"{folder}/ours.db")))
asyncio.run(conversation(RasaStore(domain, dialect="sqlite", db=f"{folder}/rasa.db")))
print(json.dumps({"ours": rows(f"{folder}/ours.db"), "rasa": rows(f"{folder}/rasa.db")}, ensure_ascii=False))
"""
    result = _run_in_rasa(script, str(tmp_path))
    assert result["ours"] == result["rasa"]
    assert len(result["ours"]) == 7 + 2 * 3 + 5 + 1  # each event once
    users = [row[4]["text"] for row in result["ours"] if row[1] == "user"]
    assert users == ["lệ phí bao nhiêu", "nộp ở đâu 0", "nộp ở đâu 1", "xin chào", "cảm ơn"]


def test_redis_lock_serves_one_turn_of_a_conversation_at_a_time(redis_url):
    script = """
import asyncio, json, sys, time
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig
# The lock store entry of the endpoints file that bot.supervisor.topology writes for each Rasa server.
first, second = (LockStore.create(EndpointConfig.from_dict(json.loads(sys.argv[1]))) for _ in range(2))
log = []
async def turn(store, conversation, name, hold_s):
    async with store.lock(conversation):
        log.append(f"{name} in")
        await asyncio.sleep(hold_s)
        log.append(f"{name} out")
async def go():
    # Two servers, one conversation: the second turn waits for the first. Another conversation does not wait.
    started = time.monotonic()
    await asyncio.gather(turn(first, "citizen-1", "a", 0.3), turn(second, "citizen-1", "b", 0.0),
                         turn(second, "citizen-2", "c", 0.0))
    # A server killed while holding a lock: its key expires with the lock's lifetime, then the next turn goes on.
    await first._redis().set(first.key_prefix + "citizen-3", "killed", px=300)
    waited = time.monotonic()
    async with second.lock("citizen-3", lock_lifetime=1):
        waited = time.monotonic() - waited
    # A turn that outlived its lock must not release the lock the next turn took after the expiry.
    async def late():
        async with second.lock("citizen-4", lock_lifetime=0.2):
            await asyncio.sleep(0.5)
    async def next_turn():
        await asyncio.sleep(0.05)
        async with first.lock("citizen-4", lock_lifetime=5):
            await asyncio.sleep(0.6)
            return await first._redis().exists(first.key_prefix + "citizen-4")
    _, kept = await asyncio.gather(late(), next_turn())
    left = await first._redis().keys(first.key_prefix + "*")
    return {"type": type(first).__name__, "log": log, "expired_after": round(waited, 1), "keys_left": len(left), "kept": kept}
print(json.dumps(asyncio.run(go())))
"""
    result = _run_in_rasa(script, json.dumps(topology.lock_store(redis_url)))
    assert result["type"] == "RedisLockStore"
    log = result["log"]
    assert log.index("c in") < log.index("a out"), log  # another conversation ran while citizen-1 was held
    assert log.index("a out") < log.index("b in") or log.index("b out") < log.index("a in"), log
    assert 0.2 <= result["expired_after"] <= 0.8
    assert result["kept"] == 1
    assert result["keys_left"] == 0


def test_a_turn_waits_out_a_postgresql_restart_and_is_stored(tmp_path):
    # Before: a save during the restart failed and Rasa kept the turn in memory only (answered, then lost for
    # every other server). The restart starts right before the second save.
    with postgres_server() as url:
        script = """
import asyncio, json, subprocess, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.rasa_plugins.tracker_store import SQLTrackerStore
domain = Domain.load("domain.yml")
store = SQLTrackerStore(domain, dialect="postgresql", host=sys.argv[1])
async def go():
    tracker = DialogueStateTracker("citizen-1", domain.slots)
    tracker.update(UserUttered("lệ phí bao nhiêu"))
    await store.save(tracker)
    restart = subprocess.Popen(json.loads(sys.argv[2]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await asyncio.sleep(0.3)   # the server is shutting down now
    tracker.update(UserUttered("nộp ở đâu"))
    await store.save(tracker)
    restart.wait()
    back = await SQLTrackerStore(domain, dialect="postgresql", host=sys.argv[1]).retrieve("citizen-1")
    return [e.text for e in back.events if isinstance(e, UserUttered)]
print(json.dumps(asyncio.run(go()), ensure_ascii=False))
"""
        rasa_url = topology.tracker_store(url)["url"]
        result = _run_in_rasa(script, rasa_url, json.dumps(restart_postgres_command(url)))
    assert result == ["lệ phí bao nhiêu", "nộp ở đâu"]


def test_a_lock_waits_out_a_redis_restart():
    server = RedisServer()
    server.start()
    script = """
import asyncio, json, sys, time
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig
store = LockStore.create(EndpointConfig.from_dict(json.loads(sys.argv[1])))
async def go():
    async with store.lock("citizen-1"):
        pass
    print("down?", flush=True)
    sys.stdin.readline()   # the test stopped Redis and starts it again in a moment
    started = time.monotonic()
    async with store.lock("citizen-1"):
        waited = time.monotonic() - started
    return {"waited": round(waited, 1)}
print(json.dumps(asyncio.run(go())))
"""
    process = subprocess.Popen(
        [str(training.RASA_PYTHON), "-c", script, json.dumps(topology.lock_store(server.url))],
        cwd=training.ROOT,
        env=training.rasa_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "down?", process.stderr.read()[-3000:]
        server.stop()
        process.stdin.write("go\n")
        process.stdin.flush()
        time.sleep(1.5)
        server.start()
        out, err = process.communicate(timeout=60)
    finally:
        server.stop()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err[-3000:]
    assert json.loads(out.strip().splitlines()[-1])["waited"] >= 1.0
