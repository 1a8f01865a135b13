"""Cross-validate the NLU model with every example and its generated twins in the same fold.

`rasa test nlu --cross-validation` splits examples at random, so "giấy tờ gì" can be tested while its
accent-free twin "giay to gi" was trained on; with the folding tokenizer those two are the same input and
the figure says less about unseen wording. Here examples are grouped by their folded, spelled-out form and
whole groups go to one fold (sklearn's StratifiedGroupKFold). Each fold is trained and tested with the real
Rasa CLI. Run in Rasa's environment from the project folder:
    .venv-rasa/bin/python scripts/nlu_grouped_cv.py [--folds 3] [--out build/nlu-grouped-cv]
Prints per-intent and weighted F1 over all held-out predictions.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from sklearn.metrics import classification_report  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from bot.supervisor.training import RASA_BIN, rasa_env  # noqa: E402
from knowledge_base.text import expand_abbreviations, fold  # noqa: E402


def group_key(text: str) -> str:
    # The generator's twins differ from their example only by accents and abbreviations.
    return " ".join(re.findall(r"\w+", fold(expand_abbreviations(text))))


def rasa(*args: str) -> None:
    done = subprocess.run([str(RASA_BIN), *args], cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"rasa {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "nlu-grouped-cv")
    parser.add_argument("--config", default="config.yml")
    args = parser.parse_args()

    examples = list(load_data(str(ROOT / "nlu_data" / "nlu")).intent_examples)
    labels = [m.get("intent") for m in examples]
    groups = [group_key(m.get("text")) for m in examples]
    print(f"{len(examples)} examples, {len(set(groups))} groups, {len(set(labels))} intents")
    splitter = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=7)
    truth: list[str] = []
    predicted: list[str] = []
    for n, (train, test) in enumerate(splitter.split(examples, labels, groups), start=1):
        fold_dir = args.out / f"fold{n}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        for name, rows in (("train.yml", train), ("test.yml", test)):
            data = TrainingData(training_examples=[examples[i] for i in rows])
            (fold_dir / name).write_text(RasaYAMLWriter().dumps(data), encoding="utf-8")
        rasa(
            "train",
            "nlu",
            "--nlu",
            str(fold_dir / "train.yml"),
            "--config",
            args.config,
            "--out",
            str(fold_dir),
            "--fixed-model-name",
            "model",
        )
        rasa(
            "test",
            "nlu",
            "--nlu",
            str(fold_dir / "test.yml"),
            "--model",
            str(fold_dir / "model.tar.gz"),
            "--out",
            str(fold_dir / "results"),
            "--successes",
            "--no-plot",
        )
        rows = []
        for name in ("intent_successes.json", "intent_errors.json"):
            path = fold_dir / "results" / name
            rows += json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        truth += [r["intent"] for r in rows]
        predicted += [r["intent_prediction"]["name"] or "" for r in rows]
        fold_right = sum(r["intent"] == r["intent_prediction"]["name"] for r in rows)
        print(f"fold {n}: {len(train)} train, {len(test)} test, accuracy {fold_right / max(1, len(rows)):.3f}")
    report = classification_report(truth, predicted, output_dict=True, zero_division=0)
    for intent in sorted(set(truth), key=lambda i: report[i]["f1-score"]):
        print(f"  {intent:24s} f1 {report[intent]['f1-score']:.3f}  (n={report[intent]['support']})")
    confusions = Counter((t, p) for t, p in zip(truth, predicted) if t != p)
    print("most frequent confusions:", ", ".join(f"{t}->{p} {c}" for (t, p), c in confusions.most_common(8)))
    print(f"intent weighted F1 (grouped {args.folds}-fold): {report['weighted avg']['f1-score']:.3f}")
    (args.out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
