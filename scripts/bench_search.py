"""Search benchmark: index build time, latency p50/p95 over every record, memory.

    python scripts/bench_search.py              # builds a fresh index in a temporary folder
    python scripts/bench_search.py --reuse      # uses the configured index (build/index) if it matches

Two queries per record (2,642 records): its name shortened to what a citizen would type (at most ten
words, without the bracketed cases), once with diacritics and once without. A query that matches one
name almost word for word is answered without the dense model; the others pay one model call.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge_base.search.aliases import core_name, head_object  # noqa: E402
from knowledge_base.config import SearchSettings  # noqa: E402
from knowledge_base.service import KnowledgeBase  # noqa: E402
from knowledge_base.text import strip_accents  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def citizen_form(name: str, max_words: int = 10) -> str:
    return " ".join(head_object(core_name(name)).split()[:max_words])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="use the configured index instead of a fresh build")
    parser.add_argument("--limit", type=int, default=0, help="only N records, spread over the list (quick check)")
    args = parser.parse_args(argv)

    settings = SearchSettings.from_env()
    tmp = None
    if not args.reuse:
        tmp = tempfile.TemporaryDirectory(prefix="bench-index-")
        settings = dataclasses.replace(settings, index_dir=Path(tmp.name) / "index")
    print(f"cpus: {os.cpu_count()}  load average: {os.getloadavg()[0]:.2f}  embedder: {settings.embedder}")
    rss0 = rss_mb()
    kb = KnowledgeBase.from_settings(settings)
    started = time.perf_counter()
    kb.load(progress=lambda m: print(f"  {m}", file=sys.stderr))
    load_s = time.perf_counter() - started
    status = kb.status()
    print(
        f"load + index: {load_s:.1f}s ({status['index']}, {status['vectors']} vectors, "
        f"{status['procedures']} procedures + {status['catalogue']} catalogue)"
    )

    state = kb._require()
    names = [(p.code, p.name) for p in state.data.procedures.values()] + [
        (e.code, e.name) for e in state.data.catalogue
    ]
    if args.limit and args.limit < len(names):
        names = names[:: max(1, len(names) // args.limit)][: args.limit]
    kb.search("khởi động")  # first call loads the model: not a search cost
    for label, transform in (("with diacritics", lambda s: s), ("no diacritics", strip_accents)):
        state.ranker._vectors.clear()  # both passes restore to the same text: measure the model, not the cache
        timings: list[float] = []
        top1 = 0
        for code, name in names:
            query = transform(citizen_form(name))
            t0 = time.perf_counter()
            response = kb.search(query, top_k=5)
            timings.append((time.perf_counter() - t0) * 1000)
            top1 += bool(response.results) and response.results[0].code == code
        print(
            f"{label}: {len(timings)} queries  p50 {statistics.median(timings):.1f} ms  "
            f"p95 {percentile(timings, 0.95):.1f} ms  max {max(timings):.1f} ms  "
            f"own record first {top1 / len(names):.3f}  model calls {len(state.ranker._vectors)}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: rss {rss_mb():.0f} MB (started at {rss0:.0f} MB), peak {peak:.0f} MB")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
