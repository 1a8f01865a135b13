"""One process of Rasa's environment for the end-to-end checks of tests/rasa on the project's model.

Importing Rasa and TensorFlow and loading the model take most of such a process's time, so the checks of
tests/rasa/test_rasa_server.py and the test stories of tests/rasa/test_rasa_project.py share one: `rasa_checks`
runs RASA_CHECKS once per session and returns everything it printed (JSON). In order:

1. bot.rasa_plugins.server's patches are installed; the prepared validator of action replies is checked;
2. the model is loaded with the patches and predicts (`ours`);
3. every patch is taken back, the model is loaded again with Rasa's own code and predicts the same (`rasa`);
4. that unpatched agent runs the dialogue test stories (tests/conversations) through Rasa's own test function,
   the one `rasa test core --fail-on-prediction-errors` calls (rasa.core.test.test), with the same verdict.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from bot.supervisor import training

STORIES = "tests/conversations"
STORIES_OUT = training.ROOT / "build" / "rasa-test-stories"

RASA_CHECKS = r"""
import asyncio, json, sys
from rasa.utils.tensorflow import models
RASA_LOAD = models.RasaModel.__dict__["load"]  # the classmethod itself, to put back
RASA_PREDICT = models.RasaModel._rasa_predict
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.actions.action import RemoteAction
RASA_RULE = RulePolicy.__init__, RulePolicy.predict_action_probabilities
RASA_TED = TEDPolicy.predict_action_probabilities
RASA_VALIDATE = RemoteAction._validate_action_result
import bot.rasa_plugins.server
bot.rasa_plugins.server.install()

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted

model, stories, stories_out = sys.argv[1:4]
out = {}

# The prepared validator must accept what Rasa accepts and reject the rest.
from jsonschema import ValidationError
action = RemoteAction("action_answer_procedure", None)
good = {"events": [{"event": "slot", "name": "procedure_code", "value": "1.013225"}], "responses": [{"text": "x"}]}
results = [action._validate_action_result(good)]
for bad in ({"events": "not a list"}, {"events": [{"event": "slot"}], "responses": [{"text": 3}]}):
    try:
        action._validate_action_result(bad)
        results.append("accepted")
    except ValidationError as e:
        results.append("rejected" if "Failed to validate Action server response" in e.message else e.message)
out["validator"] = results

# The model loaded and predicting with bot.rasa_plugins.server's changes, then with Rasa's own code. The texts are
# parsed twice each, so the direct call (from the second prediction on) is compared, not only the first, traced one.
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
    ted.model.run_inference = inference
    return {"parsed": out, "chosen": chosen, "ted_runs": len(runs)}

out["ours"] = asyncio.run(predictions(Agent.load(model)))  # loaded with bot.rasa_plugins.server's load
models.RasaModel.load = RASA_LOAD
models.RasaModel._rasa_predict = RASA_PREDICT
RulePolicy.__init__, RulePolicy.predict_action_probabilities = RASA_RULE
TEDPolicy.predict_action_probabilities = RASA_TED
RemoteAction._validate_action_result = RASA_VALIDATE
rasa_agent = Agent.load(model)
out["rasa"] = asyncio.run(predictions(rasa_agent))

# The test stories, as `rasa test core --stories ... --fail-on-prediction-errors` runs them (that command loads
# the model with Rasa's own code and calls this function; it fails on the exception, naming the failed story).
from rasa.core.test import WrongPredictionException, test as core_test
try:
    summary = asyncio.run(core_test(stories, rasa_agent, out_directory=stories_out, fail_on_prediction_errors=True,
                                    disable_plotting=True))
    out["stories"] = {"passed": True, "detail": json.dumps(summary.get("report"), default=str)[-3000:]}
except WrongPredictionException as e:
    out["stories"] = {"passed": False, "detail": str(e)[-3000:]}
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="session")
def rasa_checks() -> dict:
    model = training.ensure_model()
    STORIES_OUT.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(training.RASA_PYTHON), "-c", RASA_CHECKS, str(model), STORIES, str(STORIES_OUT)],
        cwd=training.ROOT,
        env=training.rasa_env(),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
