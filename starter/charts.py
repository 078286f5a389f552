"""The weekly-review charts, as PNG and SVG, drawn with matplotlib (Agg: no display):
speed to lead with the 5-minute target marked, SLA compliance by day and by team, the
escalation funnel, and fairness (each member's share against their weight's)."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from domain.analytics.report import FIVE_MINUTES_MS
from starter.analytics import ChartInputs

SIZE = (9, 5)  # inches: readable on a laptop at 100 dpi
plt.rcParams.update({"font.size": 11, "axes.titlesize": 13, "axes.titleweight": "bold"})


def _speed_to_lead(data: ChartInputs, ax: Axes) -> None:
    histogram = data.first_action_histogram
    minutes = [ms / 60000 for ms in histogram]
    ax.hist(minutes, bins=40, weights=list(histogram.values()), color="#4477aa")
    ax.axvline(FIVE_MINUTES_MS / 60000, color="#cc3311", linestyle="--", label="5-minute target")
    p50 = data.report.time_to_first_action_s.p50
    if p50 is not None:
        ax.axvline(p50 / 60, color="#228833", linestyle=":", label=f"median {p50 / 60:.3g} min")
    ax.set(
        title="Speed to lead: owner assigned -> first action",
        xlabel="minutes (wall time)",
        ylabel="leads",
    )
    ax.legend()


def _sla_by_day(data: ChartInputs, ax: Axes) -> None:
    rows = [r for r in data.by_day.by if r.sla_met_rate is not None]
    ax.plot([r.group or "" for r in rows], [100 * (r.sla_met_rate or 0) for r in rows], marker="o")
    ax.set(title="SLA compliance by day", xlabel="day (UTC)", ylabel="% first-touched within SLA")
    ax.set_ylim(0, 105)
    ax.tick_params(axis="x", labelrotation=45)


def _sla_by_team(data: ChartInputs, ax: Axes) -> None:
    rows = [r for r in data.by_team.by if r.sla_met_rate is not None]
    ax.barh([r.group or "(none)" for r in rows], [100 * (r.sla_met_rate or 0) for r in rows])
    ax.set(title="SLA compliance by team", xlabel="% first-touched within SLA", ylabel="team")
    ax.set_xlim(0, 105)


def _funnel(data: ChartInputs, ax: Axes) -> None:
    r = data.report
    esc = r.escalated
    reached = [sum(esc[str(level)] for level in range(start, 5)) for start in (1, 2, 3, 4)]
    labels = ["assigned", "missed SLA (>= level 1)", ">= level 2", ">= level 3", "unowned"]
    values = [r.assigned, *reached]
    ax.barh(labels[::-1], values[::-1], color="#ee7733")
    for y, value in enumerate(values[::-1]):
        ax.annotate(str(value), (value, y), xytext=(4, 0), textcoords="offset points", va="center")
    ax.set(title="Escalation funnel", xlabel="leads", ylabel="step reached")


def _fairness(data: ChartInputs, ax: Axes) -> None:
    labels, shares, targets = [], [], []
    for team in data.report.fairness:
        for m in team.members:
            labels.append(f"{team.team}\n{m.id}")
            shares.append(100 * m.share)
            targets.append(100 * m.target)
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], shares, width=0.4, label="actual share")
    ax.bar([x + 0.2 for x in xs], targets, width=0.4, label="target (weight share)")
    ax.set_xticks(list(xs), labels, rotation=60, ha="right", fontsize=8)
    ax.set(
        title="Round-robin fairness by member",
        xlabel="team / member",
        ylabel="% of the team's round-robin leads",
    )
    ax.legend()


CHARTS: dict[str, Callable[[ChartInputs, Axes], None]] = {
    "speed-to-lead": _speed_to_lead,
    "sla-by-day": _sla_by_day,
    "sla-by-team": _sla_by_team,
    "escalation-funnel": _funnel,
    "fairness": _fairness,
}


def _drawn(data: ChartInputs, name: str) -> Figure:
    """One chart on a figure of its own (not pyplot's: safe off the main thread)."""
    figure = Figure(figsize=SIZE)
    CHARTS[name](data, figure.add_subplot())
    figure.tight_layout()
    return figure


def write_charts(data: ChartInputs, out: Path) -> list[Path]:
    """Each chart as NAME.png and NAME.svg in `out`; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in CHARTS:
        figure = _drawn(data, name)
        for suffix in ("png", "svg"):
            path = out / f"{name}.{suffix}"
            figure.savefig(path, dpi=100)
            written.append(path)
    return written


_DRAWN: OrderedDict[tuple[str, str], bytes] = OrderedDict()  # the latest charts drawn
_DRAWING = threading.Lock()  # the console draws in threads


def chart_svg(data: ChartInputs, name: str) -> bytes:
    """One chart as SVG, for the console's analytics page. Drawing takes hundreds of
    milliseconds and the figures change only when facts land: the same figures give the
    chart drawn last time (the latest 32 are kept)."""
    key = (name, _fingerprint(data))
    with _DRAWING:
        if (drawn := _DRAWN.get(key)) is not None:
            _DRAWN.move_to_end(key)
            return drawn
    out = io.BytesIO()
    _drawn(data, name).savefig(out, format="svg", metadata={"Date": None})
    with _DRAWING:
        _DRAWN[key] = out.getvalue()
        while len(_DRAWN) > 32:
            _DRAWN.popitem(last=False)
    return out.getvalue()


def _fingerprint(data: ChartInputs) -> str:
    parts = [r.model_dump_json() for r in (data.report, data.by_day, data.by_team)]
    parts.append(json.dumps(sorted(data.first_action_histogram.items())))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
