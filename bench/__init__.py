"""Benchmarks for lead-router; never part of the test suite."""

from __future__ import annotations

import os
import sys
from typing import TextIO


def json_stdout() -> TextIO:
    """Standard output for the one JSON object a benchmark prints: from here on,
    anything else written to it (the dev servers' banners) goes to stderr."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return out
