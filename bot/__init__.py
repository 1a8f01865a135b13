"""The assistant's own processes: `python -m bot` (cli.py) and the settings every process reads (settings.py).

- gateway/: the gateway process (`python -m bot.gateway.app`): channels, conversation, staff console, reminders,
  and its database (gateway/db/).
- supervisor/: `python -m bot run`: builds the topology, trains the model, starts and watches the processes.
- rasa_plugins/: code Rasa loads in its own environment (.venv-rasa): the server, stores and NLU components.
- outage.py: waiting out a database restart (the gateway and the Rasa tracker store); patch_guard.py: checks on the
  library internals the Rasa plugins and the action server patch.
"""
