"""Run every benchmark, each in its own process: python -m bench (or make bench).

http_pages runs on the embedded default; the scheduling benchmarks need PostgreSQL
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/liveverify_bench); fanout
also needs Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13). queue_sim needs nothing.
"""

import subprocess
import sys

BENCHMARKS = ["bench.http_pages", "bench.open_times", "bench.booking_race", "bench.queue_sim", "bench.fanout"]

failed = [name for name in BENCHMARKS if subprocess.run([sys.executable, "-m", name], check=False).returncode]  # noqa: S603
from bench import readme  # noqa: E402

readme.main()
if failed:
    sys.exit(f"Benchmarks that failed: {', '.join(failed)}")
