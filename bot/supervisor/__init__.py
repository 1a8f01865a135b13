"""`python -m bot run` and `python -m bot train`: the supervisor that starts, watches and stops the processes."""
