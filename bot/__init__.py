"""Gateway, channels and command-line entry point of the assistant."""
