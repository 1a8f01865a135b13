"""What bot.rasa_server changes in Rasa: a faster model load that predicts the same, and the same checks on
action replies."""

from __future__ import annotations

import json
import subprocess

import pytest

from bot import training

pytestmark = pytest.mark.e2e

# Runs in Rasa's environment: loads the model and predicts with bot.rasa_server's changes, then with Rasa's own
# code, and prints both. The texts are parsed twice each, so the direct call (from the second prediction on) is
# compared, not only the first, traced one.
SCRIPT = r"""
import asyncio, json, sys
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted

TEXTS = ["xin cap phep xay dung nha o", "lệ phí bao nhiêu", "ok", "tiếp theo", "nộp ở đâu",
         "trường hợp hai", "tra cứu hồ sơ", "thôi không cần", "cảm ơn nhé"] * 2

CONVERSATION = ["xin cấp phép xây dựng nhà ở riêng lẻ", "lệ phí bao nhiêu", "ok", "tiếp theo", "quay lại",
                "nộp ở đâu", "cho gặp cán bộ", "không", "tra cứu hồ sơ", "asdkjh qwe", "cảm ơn nhé", "tạm biệt"]

async def predictions(agent):
    out = []
    for text in TEXTS:
        parsed = await agent.parse_message(text)
        out.append([text, [(i["name"], round(i["confidence"], 5)) for i in parsed["intent_ranking"]],
                    sorted((e["entity"], e["value"]) for e in parsed["entities"])])
    nodes = agent.processor.graph_runner._instantiated_nodes
    ted = next(n._component for name, n in nodes.items() if "TEDPolicy" in name)
    tracker = await agent.processor.fetch_tracker_and_update_session("fast-load")
    for text in TEXTS[:4]:
        await agent.processor._handle_message_with_tracker(UserMessage(text, sender_id="fast-load"), tracker)
        probabilities = RASA_TED(ted, tracker, agent.domain).probabilities
        out.append([text, [round(p, 5) for p in probabilities]])
    # A whole conversation through Rasa's processor (action server unreachable, so custom actions fail the same
    # way in both runs): which actions were chosen, by which policy, how confidently; and how often TED ran.
    runs = []
    inference = ted.model.run_inference
    ted.model.run_inference = lambda *a, **k: runs.append(1) or inference(*a, **k)
    for text in CONVERSATION:
        await agent.handle_text(text, sender_id="whole-conversation")
    tracker = await agent.tracker_store.retrieve("whole-conversation")
    chosen = [[e.action_name, e.policy, round(e.confidence or 0, 5)] for e in tracker.events
              if isinstance(e, ActionExecuted)]
    return {"parsed": out, "chosen": chosen, "ted_runs": len(runs)}

ours = asyncio.run(predictions(Agent.load(sys.argv[1])))  # loaded with bot.rasa_server's load
from rasa.utils.tensorflow import models
models.RasaModel.load = RASA_LOAD
models.RasaModel._rasa_predict = RASA_PREDICT
RulePolicy.__init__, RulePolicy.predict_action_probabilities = RASA_RULE
TEDPolicy.predict_action_probabilities = RASA_TED
theirs = asyncio.run(predictions(Agent.load(sys.argv[1])))
print(json.dumps({"ours": ours, "rasa": theirs}, ensure_ascii=False))
"""

CONVERSATION_TURNS = 12

PRELUDE = """
from rasa.utils.tensorflow import models
RASA_LOAD = models.RasaModel.__dict__["load"]  # the classmethod itself, to put back
RASA_PREDICT = models.RasaModel._rasa_predict
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
RASA_RULE = RulePolicy.__init__, RulePolicy.predict_action_probabilities
RASA_TED = TEDPolicy.predict_action_probabilities
import bot.rasa_server
bot.rasa_server.install()
"""


def test_fast_load_direct_calls_and_rules_first_predict_what_rasa_predicts():
    model = training.ensure_model()
    done = subprocess.run([str(training.RASA_PYTHON), "-c", PRELUDE + SCRIPT, str(model)], cwd=training.ROOT,
                          env=training.rasa_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ours, theirs = result["ours"], result["rasa"]
    assert len(ours["parsed"]) == 22
    # The intents must be real predictions, not the near-uniform output of untrained weights.
    assert max(conf for _, conf in ours["parsed"][0][1]) > 0.5
    assert ours["parsed"] == theirs["parsed"]
    assert len(ours["chosen"]) > CONVERSATION_TURNS
    assert {policy for _, policy, _ in ours["chosen"]} >= {"RulePolicy"}
    assert ours["chosen"] == theirs["chosen"]
    # Rules decided some of the actions, so TED's network ran less often than in Rasa's own run.
    assert ours["ted_runs"] < theirs["ted_runs"]


def test_action_replies_are_still_checked_against_rasas_response_schema():
    # Run in Rasa's environment: the prepared validator must accept what Rasa accepts and reject the rest.
    script = """
import json
from jsonschema import ValidationError
import bot.rasa_server
bot.rasa_server.install()
from rasa.core.actions.action import RemoteAction
action = RemoteAction("action_answer_procedure", None)
good = {"events": [{"event": "slot", "name": "procedure_code", "value": "1.013225"}], "responses": [{"text": "x"}]}
results = [action._validate_action_result(good)]
for bad in ({"events": "not a list"}, {"events": [{"event": "slot"}], "responses": [{"text": 3}]}):
    try:
        action._validate_action_result(bad)
        results.append("accepted")
    except ValidationError as e:
        results.append("rejected" if "Failed to validate Action server response" in e.message else e.message)
print(json.dumps(results))
"""
    done = subprocess.run([str(training.RASA_PYTHON), "-c", script], cwd=training.ROOT, env=training.rasa_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True, "rejected", "rejected"]
