"""The patches of Rasa's internals (bot.rasa_plugins.server, bot.rasa_plugins.tracker_store) in the fast suite: their
guards on the installed Rasa, TensorFlow and Keras, and their behaviour against an in-process Rasa agent on a tiny model
trained here in seconds (the project's own model and the whole stack: tests/rasa/test_rasa_server.py, e2e).

One process of Rasa's environment runs everything (importing Rasa and TensorFlow takes most of its time)."""

from __future__ import annotations

import json
import subprocess

import pytest

from bot.supervisor import training
from bot.supervisor.numeric_threads import thread_env

# A tiny assistant: two intents the classifier can tell apart, a rule that decides one answer (so TED's network is
# skipped there) and a story that only TED or memoization can follow.
PROJECT = {
    "domain.yml": """
version: "3.1"
intents: [greet, ask_fee, thank]
responses:
  utter_greet: [{text: "xin chào"}]
  utter_fee: [{text: "lệ phí"}]
  utter_welcome: [{text: "không có gì"}]
session_config: {session_expiration_time: 60, carry_over_slots_to_new_session: true}
""",
    "config.yml": """
recipe: default.v1
language: vi
assistant_id: patch-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 20
    random_seed: 1
policies:
  - name: RulePolicy
  - name: TEDPolicy
    max_history: 3
    epochs: 3
    random_seed: 1
""",
    "data/nlu.yml": """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - xin chào
    - chào bạn
    - chào anh
    - chào chị
- intent: ask_fee
  examples: |
    - lệ phí bao nhiêu
    - phí bao nhiêu tiền
    - mất bao nhiêu tiền
    - lệ phí là bao nhiêu
- intent: thank
  examples: |
    - cảm ơn
    - cảm ơn bạn
    - cám ơn nhé
    - xin cảm ơn
""",
    "data/rules.yml": """
version: "3.1"
rules:
- rule: fee
  steps:
  - intent: ask_fee
  - action: utter_fee
""",
    "data/stories.yml": """
version: "3.1"
stories:
- story: greet then thank
  steps:
  - intent: greet
  - action: utter_greet
  - intent: thank
  - action: utter_welcome
""",
}

SCRIPT = r"""
import asyncio, json, logging, os, sys
logging.disable(logging.WARNING)
folder = sys.argv[1]
out = {}

# The guards: refused on a version of another series, and on a missing attribute, before anything is patched.
import bot.patch_guard as guard
import bot.rasa_plugins.server
from rasa.core.policies.ted_policy import TEDPolicy
guard.WRITTEN_FOR["rasa"] = "3.5"
try:
    bot.rasa_plugins.server.install()
    out["other_series"] = "installed"
except guard.PatchRefused as e:
    out["other_series"] = str(e)
guard.WRITTEN_FOR["rasa"] = "3.6"
from rasa.core.policies.policy import Policy  # where TEDPolicy inherits it from
saved = Policy.__dict__["_default_predictions"]
del Policy._default_predictions
try:
    bot.rasa_plugins.server._install_rule_decides_before_ted()
    out["missing"] = "installed"
except guard.PatchRefused as e:
    out["missing"] = str(e)
Policy._default_predictions = saved

from rasa.model_training import train
model = train(f"{folder}/domain.yml", f"{folder}/config.yml", [f"{folder}/data"], output=f"{folder}/models",
              fixed_model_name="tiny").model

from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore as RasaStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.utils.tensorflow import models
RASA = (models.RasaModel.__dict__["load"], models.RasaModel._rasa_predict, RulePolicy.__init__,
        RulePolicy.predict_action_probabilities, TEDPolicy.predict_action_probabilities,
        RemoteAction._validate_action_result)
TEXTS = ["xin chào", "lệ phí bao nhiêu", "cảm ơn", "chào bạn", "phí bao nhiêu tiền"] * 2

async def run(agent, store):
    parsed = []
    for text in TEXTS:
        p = await agent.parse_message(text)
        parsed.append([text, [(i["name"], round(i["confidence"], 5)) for i in p["intent_ranking"]]])
    ted = next(n._component for name, n in agent.processor.graph_runner._instantiated_nodes.items()
               if "TEDPolicy" in name)
    runs = []
    inference = ted.model.run_inference
    ted.model.run_inference = lambda *a, **k: runs.append(1) or inference(*a, **k)
    replies = []
    # Intents given (Rasa's "/intent" messages), so the story's turns are TED's to predict whatever the classifier
    # learnt in a few epochs.
    for text in ["/greet", "/thank", "/ask_fee", "/greet", "/ask_fee", "/thank"]:
        replies.append([m.get("text") for m in await agent.handle_text(text, sender_id="citizen")])
    tracker = await store.retrieve("citizen")
    chosen = [[e.action_name, e.policy, round(e.confidence or 0, 5)] for e in tracker.events
              if isinstance(e, ActionExecuted)]
    return {"parsed": parsed, "replies": replies, "chosen": chosen, "ted_runs": len(runs),
            "events": len(tracker.events)}

domain = Domain.load(f"{folder}/domain.yml")
bot.rasa_plugins.server.install()
from bot.rasa_plugins.tracker_store import SQLTrackerStore
ours_store = SQLTrackerStore(domain, dialect="sqlite", db=f"{folder}/ours.db")
out["ours"] = asyncio.run(run(Agent.load(model, tracker_store=ours_store), ours_store))
# What another Rasa server reads back from the same file.
out["read_back"] = len(asyncio.run(SQLTrackerStore(domain, dialect="sqlite", db=f"{folder}/ours.db")
                                   .retrieve("citizen")).events)
action = RemoteAction("action_x", None)
out["validator"] = [action._validate_action_result({"events": [], "responses": [{"text": "x"}]})]
try:
    action._validate_action_result({"events": "not a list"})
    out["validator"].append("accepted")
except Exception as e:
    out["validator"].append(type(e).__name__)

(models.RasaModel.load, models.RasaModel._rasa_predict, RulePolicy.__init__, RulePolicy.predict_action_probabilities,
 TEDPolicy.predict_action_probabilities, RemoteAction._validate_action_result) = RASA
rasa_store = RasaStore(domain, dialect="sqlite", db=f"{folder}/rasa.db")
out["rasa"] = asyncio.run(run(Agent.load(model, tracker_store=rasa_store), rasa_store))
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def patched_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-rasa")
    for name, text in PROJECT.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    env = {**training.rasa_env(), **thread_env(1)}
    done = subprocess.run(
        [str(training.RASA_PYTHON), "-c", SCRIPT, str(folder)],
        cwd=training.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_rasa_patches_refuse_another_rasa_series(patched_run):
    message = patched_run["other_series"]
    assert message.startswith("bot.rasa_plugins.server:") and "rasa 3.6.21" in message and "expected 3.5.x" in message


def test_the_rasa_patches_refuse_a_missing_attribute_naming_it(patched_run):
    message = patched_run["missing"]
    assert "TEDPolicy._default_predictions is missing in the installed rasa 3.6.21" in message


def test_an_agent_with_the_patches_parses_and_chooses_what_rasa_does(patched_run):
    ours, theirs = patched_run["ours"], patched_run["rasa"]
    assert ours["parsed"] == theirs["parsed"]
    assert ours["parsed"][1][1][0][0] == "ask_fee"
    assert ours["replies"] == theirs["replies"]
    assert ours["replies"][2] == ours["replies"][4] == ["lệ phí"]
    assert ours["chosen"] == theirs["chosen"]
    assert "RulePolicy" in {policy for _, policy, _ in ours["chosen"]}
    # The rule decided the fee answers, so TED's network ran less often than in Rasa's own run (but it ran: the
    # direct call of its traced prediction was used).
    assert 0 < ours["ted_runs"] < theirs["ted_runs"]


def test_the_patched_tracker_store_keeps_what_rasas_store_keeps(patched_run):
    assert patched_run["ours"]["events"] == patched_run["rasa"]["events"]
    assert patched_run["read_back"] == patched_run["ours"]["events"]


def test_the_prepared_validator_accepts_and_rejects_as_rasa_does(patched_run):
    assert patched_run["validator"] == [True, "ValidationError"]
