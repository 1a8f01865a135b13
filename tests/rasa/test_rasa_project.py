"""Rasa's own checks on our data and model: `rasa data validate` and the test stories."""

from __future__ import annotations

import json
import subprocess

import pytest

from bot.supervisor import training

pytestmark = pytest.mark.e2e


def _rasa(*args: str) -> subprocess.CompletedProcess:
    # Explicit --data/--stories and an --out outside the data folders: `rasa test` otherwise scans the
    # working folder and chokes on stray JSON files.
    return subprocess.run(
        [str(training.RASA_BIN), *args],
        cwd=training.ROOT,
        env=training.rasa_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


def _printed_in_rasa_env(script: str):
    """The JSON a script prints last, run inside Rasa's environment (the only one where bot/rasa_plugins/nlu
    imports)."""
    done = subprocess.run(
        [str(training.RASA_PYTHON), "-c", script],
        cwd=training.ROOT,
        env=training.rasa_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_training_data_validates_without_warnings():
    done = _rasa(
        "data",
        "validate",
        "--fail-on-warnings",
        "--data",
        "nlu_data",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_dialogue_test_stories_pass(rasa_checks):
    # Run by Rasa's own test function on the model loaded with Rasa's own code, in the session's process of
    # Rasa's environment (tests/rasa/conftest.py): the verdict of `rasa test core --fail-on-prediction-errors`.
    stories = rasa_checks["stories"]
    assert stories["passed"], stories["detail"]


def test_tokenizer_gives_accented_and_accent_free_spellings_one_lemma_and_keeps_offsets():
    script = (
        "import json\n"
        "from rasa.shared.nlu.training_data.message import Message\n"
        "from bot.rasa_plugins.nlu.tokenizer import FoldingTokenizer\n"
        "tok = FoldingTokenizer(FoldingTokenizer.get_default_config())\n"
        "out = {}\n"
        "for text in ['Cần GIẤY TỜ gì?', 'can giay to gi', 'Đăng ký mã 1.013225']:\n"
        "    out[text] = [(t.text, t.lemma, t.start, t.end) for t in tok.tokenize(Message({'text': text}), 'text')]\n"
        "print(json.dumps(out))\n"
    )
    tokens = _printed_in_rasa_env(script)
    lemmas = {text: [t[1] for t in toks] for text, toks in tokens.items()}
    assert lemmas["Cần GIẤY TỜ gì?"] == lemmas["can giay to gi"] == ["can", "giay", "to", "gi"]
    for text, toks in tokens.items():
        for token_text, _, start, end in toks:
            assert text[start:end] == token_text
    assert [t[0] for t in tokens["Đăng ký mã 1.013225"]] == ["Đăng", "ký", "mã", "1.013225"]


def test_intent_classifier_reads_a_paraphrase_by_meaning_and_survives_a_reload():
    # Trained on a few examples per intent, in Rasa's environment; the test sentences share no word with them.
    script = (
        "import json, tempfile\n"
        "from pathlib import Path\n"
        "from rasa.engine.graph import ExecutionContext, GraphSchema\n"
        "from rasa.engine.storage.local_model_storage import LocalModelStorage\n"
        "from rasa.engine.storage.resource import Resource\n"
        "from rasa.shared.nlu.training_data.message import Message\n"
        "from rasa.shared.nlu.training_data.training_data import TrainingData\n"
        "from bot.rasa_plugins.nlu.intent_classifier import MeaningIntentClassifier as C\n"
        "examples = {'ask_fee': ['lệ phí bao nhiêu', 'phí hết bao nhiêu tiền', 'có mất tiền không'],\n"
        "            'ask_processing_time': ['mất bao lâu', 'bao nhiêu ngày thì xong', 'thời gian giải quyết'],\n"
        "            'greet': ['xin chào', 'chào bạn', 'hello']}\n"
        "data = TrainingData([Message(data={'text': t, 'intent': i}) for i, ts in examples.items() for t in ts])\n"
        "storage, resource = LocalModelStorage(Path(tempfile.mkdtemp())), Resource('intent')\n"
        "context = ExecutionContext(GraphSchema({}), 'test')\n"
        "C.create(C.get_default_config(), storage, resource, context).train(data)\n"
        "loaded = C.load(C.get_default_config(), storage, resource, context)\n"
        "texts = ['chi phí là bao nhiêu', 'đợi mấy hôm', 'chào buổi sáng']\n"
        "out = loaded.process([Message(data={'text': t}) for t in texts])\n"
        "print(json.dumps({m.get('text'): [m.get('intent')['name'], len(m.get('intent_ranking'))] for m in out}))\n"
    )
    read = _printed_in_rasa_env(script)
    assert read == {
        "chi phí là bao nhiêu": ["ask_fee", 3],
        "đợi mấy hôm": ["ask_processing_time", 3],
        "chào buổi sáng": ["greet", 3],
    }
