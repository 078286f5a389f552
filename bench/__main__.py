"""`python -m bench [--quick]`: run the benchmarks, print one JSON object, save it."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from bench import route


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts, under 60 s")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    results: dict[str, object] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "quick": args.quick,
    }
    results.update(route.run(10_000 if args.quick else 100_000))
    print(json.dumps(results, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (args.out / f"bench-{stamp}{'-quick' if args.quick else ''}.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
