"""Code that runs inside Rasa's environment (.venv-rasa): the Rasa server entry point, the tracker and lock
stores named in the generated endpoints file, and the NLU components named in config.yml. It may import only
what that environment has: the standard library, Rasa's pinned set, bot.patch_guard, bot.outage and the
parts of knowledge_base the NLU components name."""
