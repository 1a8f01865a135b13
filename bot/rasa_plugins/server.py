"""`rasa run` with a faster model load. Run in Rasa's environment:
`.venv-rasa/bin/python -m bot.rasa_plugins.server run …`.

Rasa 3.6 rebuilds each TensorFlow model at load by tracing and running one training step on one example, only to
create the model's variables (`RasaModel.load`). For our DIET and TED models that tracing is about 45 of the ~50 s
a Rasa server takes to start, and two servers starting together on two cores take longer still. Here the variables
are created by one eager prediction instead, the trained weights are restored onto them (every variable created
must be matched in the checkpoint, or loading fails), the cached label embeddings made with the untrained weights
are dropped, and the prediction function is traced once, as Rasa does. Predictions are the same as with Rasa's own
load (`tests/rasa/test_rasa_server.py` compares both on one model).

Rasa also checks every action server reply against its response schema with `jsonschema.validate`, which first
validates the schema itself against the JSON Schema meta-schema: under load that was 38 % of a Rasa server's CPU
(py-spy, 20 turns/s). Here the schema is checked once and the same validation runs with a prepared validator.

Every prediction (the classifier once a turn, the dialogue policy once per action) went through `tf.function`'s
call, which matches its inputs against the traced signature and converts them again each time: ~2 ms a call,
about 15 % of a turn. After the first prediction has traced the function, its concrete function is called
directly with the inputs converted to the traced dtypes; the outputs are the same (same test).

The dialogue policies all predict every next action, and the ensemble keeps the most confident, the higher
priority winning a tie. When a rule applies (RulePolicy predicts at confidence 1.0, its action not just rejected),
nothing TED says can change the choice, since TED's priority is the lowest; most of our turns are driven by rules.
Here TED then returns an all-zero prediction instead of running its network (~3.5 ms each, once per predicted
action). The rule prediction is computed once per tracker state and shared by the rule node and TED's check, so
the order in which Rasa runs the two does not matter. The chosen actions, their policy and confidence are those
of Rasa's own run (same test).

Only this module installs these: `rasa train`, `rasa test` and everything else run Rasa unchanged. Each was written
for Rasa 3.6 and TensorFlow/Keras 2.12: `install` refuses to start (bot/patch_guard.py) when another version is
installed or what a patch replaces or calls is missing or takes other parameters.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from bot.patch_guard import require_attribute, require_version

logger = logging.getLogger(__name__)


def install() -> None:
    for package in ("rasa", "tensorflow", "keras"):
        require_version(package, "bot.rasa_plugins.server")
    _install_fast_model_load()
    _install_prepared_response_validator()
    _install_direct_predict_call()
    _install_rule_decides_before_ted()


def _install_rule_decides_before_ted() -> None:
    import weakref

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected

    patch = "bot.rasa_plugins.server (rule decides before TED)"
    predict_parameters = ("self", "tracker", "domain", "rule_only_data")
    rule_predict = require_attribute(RulePolicy, "predict_action_probabilities", patch, "rasa", predict_parameters)
    ted_predict = require_attribute(TEDPolicy, "predict_action_probabilities", patch, "rasa", predict_parameters)
    rule_init = require_attribute(RulePolicy, "__init__", patch, "rasa")
    require_attribute(TEDPolicy, "_prediction", patch, "rasa", ("self", "probabilities"))
    require_attribute(TEDPolicy, "_default_predictions", patch, "rasa", ("self", "domain"))
    policies: list = []
    # The last rule prediction: (tracker, its number of events, domain, prediction). Rasa predicts one tracker
    # state at a time (the graph runs synchronously), so one entry is enough.
    last: list = [None]

    def __init__(self: RulePolicy, *args: Any, **kwargs: Any) -> None:
        rule_init(self, *args, **kwargs)
        policies[:] = [weakref.ref(self)]

    def predict_rule(self: RulePolicy, tracker: Any, domain: Any, rule_only_data: Any = None, **kwargs: Any) -> Any:
        cached = last[0]
        if (
            cached
            and cached[0] is tracker
            and cached[1] == len(tracker.events)
            and cached[2] is domain
            and cached[3] is self
        ):
            return cached[4]
        prediction = rule_predict(self, tracker, domain, rule_only_data, **kwargs)
        last[0] = (tracker, len(tracker.events), domain, self, prediction)
        return prediction

    def predict_ted(self: TEDPolicy, tracker: Any, domain: Any, rule_only_data: Any = None, **kwargs: Any) -> Any:
        rule = policies[0]() if policies else None
        if rule is not None:
            decided = predict_rule(rule, tracker, domain, rule_only_data)
            last_action = next(
                (e for e in reversed(tracker.events) if isinstance(e, (ActionExecuted, ActionExecutionRejected))), None
            )
            # A rejected action's confidence is zeroed by the ensemble, which could let TED win.
            if (
                decided.max_confidence >= 1.0
                and not decided.is_end_to_end_prediction
                and not isinstance(last_action, ActionExecutionRejected)
            ):
                return self._prediction(self._default_predictions(domain))
        return ted_predict(self, tracker, domain, rule_only_data=rule_only_data, **kwargs)

    RulePolicy.__init__ = __init__
    RulePolicy.predict_action_probabilities = predict_rule
    TEDPolicy.predict_action_probabilities = predict_ted


def _install_direct_predict_call() -> None:
    import tensorflow as tf
    from keras.utils import tf_utils
    from rasa.utils.tensorflow import models
    from tensorflow.python.util import nest

    from tensorflow.python.eager import function

    patch = "bot.rasa_plugins.server (direct predict call)"
    rasa_predict = require_attribute(models.RasaModel, "_rasa_predict", patch, "rasa", ("self", "batch_in"))
    require_attribute(models.RasaModel, "_empty_lists_to_none_in_dict", patch, "rasa")
    require_attribute(models, "DIAGNOSTIC_DATA", patch, "rasa")
    require_attribute(tf_utils, "sync_to_numpy_or_python_type", patch, "keras", ("tensors",))
    require_attribute(nest, "flatten", patch, "tensorflow", ("structure",))
    require_attribute(function.ConcreteFunction, "_call_flat", patch, "tensorflow", ("self", "args", "captured_inputs"))
    require_attribute(function.ConcreteFunction, "structured_input_signature", patch, "tensorflow")

    def _rasa_predict(self: Any, batch_in: Any) -> Any:
        if self._run_eagerly or not self.prepared_for_prediction or self._tf_predict_step is None:
            return rasa_predict(self, batch_in)  # the first call traces the function, as in Rasa
        if getattr(self, "_sxd_concrete", None) is None:
            self._sxd_concrete = self._tf_predict_step.get_concrete_function()
            self._sxd_dtypes = [spec.dtype for spec in nest.flatten(self._sxd_concrete.structured_input_signature[0])]
        concrete = self._sxd_concrete
        self._training = False
        inputs = [tf.convert_to_tensor(x, dtype=dtype) for x, dtype in zip(batch_in, self._sxd_dtypes)]
        outputs = tf_utils.sync_to_numpy_or_python_type(concrete._call_flat(inputs, concrete.captured_inputs))
        if models.DIAGNOSTIC_DATA in outputs:
            outputs[models.DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[models.DIAGNOSTIC_DATA])
        return outputs

    models.RasaModel._rasa_predict = _rasa_predict


def _install_prepared_response_validator() -> None:
    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction

    patch = "bot.rasa_plugins.server (prepared response validator)"
    rasa_validate = require_attribute(RemoteAction, "_validate_action_result", patch, "rasa", ("self", "result"))
    schema = require_attribute(RemoteAction, "action_response_format_spec", patch, "rasa")()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict) -> bool:
        # What jsonschema.validate raises, without re-checking the schema; Rasa's own wording of the error.
        error = exceptions.best_match(validator.iter_errors(result))
        if error is None:
            return True
        return rasa_validate(self, result)

    RemoteAction._validate_action_result = _validate_action_result


def _install_fast_model_load() -> None:
    from rasa.utils.tensorflow import models

    patch = "bot.rasa_plugins.server (fast model load)"
    rasa_load = require_attribute(
        models.RasaModel,
        "load",
        patch,
        "rasa",
        ("model_file_name", "model_data_example", "predict_data_example", "finetune_mode"),
    ).__func__
    require_attribute(models.RasaModel, "run_inference", patch, "rasa", ("self", "model_data"))

    @classmethod  # type: ignore[misc]
    def load(
        cls,
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if finetune_mode or predict_data_example is None:
            return rasa_load(
                cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        model = cls(*args, **kwargs)
        model.run_eagerly = True
        model.run_inference(predict_data_example)
        status = model.load_weights(model_file_name)
        # The checkpoint also holds the optimizer's slots, which a model that only predicts never creates.
        status.expect_partial()
        status.assert_existing_objects_matched()
        model.prepared_for_prediction = False
        model.run_eagerly = bool(kwargs.get("config", {}).get(models.RUN_EAGERLY))
        model.run_inference(predict_data_example)
        return model

    models.RasaModel.load = load


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
