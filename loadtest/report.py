"""Markdown report and PNG plots of an :class:`~loadtest.evaluate.Evaluation`."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from loadtest.evaluate import Evaluation, RowMetrics

_HEADER = (
    "| typology | positives | precision | recall | F1 | campaigns detected | TTD median h "
    "| TTD p90 h | decoy alerts / M events | alerts / 1k entities |"
)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _line(m: RowMetrics) -> str:
    return (
        f"| {m.row} | {m.positives} | {_fmt(m.precision)} | {_fmt(m.recall)} | {_fmt(m.f1)} "
        f"| {m.detected_campaigns}/{m.campaigns} | {_fmt(m.ttd_median_h, 2)} "
        f"| {_fmt(m.ttd_p90_h, 2)} | {m.fp_per_million:.1f} | {m.alerts_per_1k_entities:.2f} |"
    )


def summary_table(ev: Evaluation) -> str:
    """The per-typology table in Markdown (rows without positives or alerts are left out)."""
    lines = [_HEADER, "|" + "---|" * 10]
    lines += [_line(m) for m in ev.rows.values() if m.positives or m.alerts]
    return "\n".join(lines)


def false_alert_table(ev: Evaluation) -> str:
    """False alerts (decoys, and entities not in ground truth) by typology and by the
    detector that raised it (the alert's ``detector``; before alerts named it, its first
    reason, which names the detector's gate feature or the model)."""
    rows: dict[tuple[str, str], list[int]] = {}
    for (typ, reason, kind), n in ev.false_by_reason.items():
        rows.setdefault((typ, reason), [0, 0])[kind == "decoy"] += n
    lines = ["| typology | detector | false alerts | of which on decoys |", "|---|---|---|---|"]
    for (typ, reason), (other, decoy) in sorted(rows.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"| {typ} | {reason or '-'} | {other + decoy} | {decoy} |")
    return "\n".join(lines)


def plot_recall(ev: Evaluation, path: Path, horizon_h: float = 72.0) -> None:
    """Recall against hours since campaign start, one line per typology."""
    fig, ax = plt.subplots(figsize=(8, 5))
    grid = [horizon_h * i / 144 for i in range(145)]
    for row, delays in sorted(ev.delays_h.items()):
        if not delays:
            continue
        ys = [sum(d is not None and d <= h for d in delays) / len(delays) for h in grid]
        ax.plot(grid, ys, label=row, linestyle="--" if row == "all" else "-")
    ax.set_xlabel("hours since campaign start (simulated event time)")
    ax.set_ylabel("entity recall")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_scores(ev: Evaluation, path: Path) -> None:
    """Histogram of the highest alert score per alerted entity: scam vs normal."""
    fig, ax = plt.subplots(figsize=(8, 5))
    bins = [i / 20 for i in range(21)]
    ax.hist(ev.scores_scam, bins=bins, alpha=0.6, label=f"scam entities ({len(ev.scores_scam)})")
    ax.hist(
        ev.scores_normal,
        bins=bins,
        alpha=0.6,
        label=f"normal and decoy entities ({len(ev.scores_normal)})",
    )
    ax.set_xlabel("highest alert score of the entity")
    ax.set_ylabel("alerted entities")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


#: Score bands of the calibration table.
BANDS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0))


def calibration_table(ev: Evaluation) -> str:
    """How often alerts were right, by score band: each detector's alerted entities at
    their highest alert score, judged as precision judges them; and the Brier score.

    Examples
    --------
    >>> ev = Evaluation({}, 0, 0, {}, [], [])
    >>> ev.judged_scores = [(0.97, True), (0.99, True), (0.6, False), (0.7, True)]
    >>> print(calibration_table(ev))
    | score | alerted entities | mean score | right |
    |---|---|---|---|
    | 0.50-0.80 | 2 | 0.650 | 0.500 |
    | 0.95-1.00 | 2 | 0.980 | 1.000 |
    <BLANKLINE>
    Brier score 0.1128 over 4 (0: every score 1 when right, 0 when wrong).
    """
    rows = ev.judged_scores
    lines = ["| score | alerted entities | mean score | right |", "|---|---|---|---|"]
    for lo, hi in BANDS:
        band = [r for r in rows if lo <= r[0] < hi or (hi == 1.0 and r[0] == 1.0)]
        if band:
            mean = sum(r[0] for r in band) / len(band)
            right = sum(r[1] for r in band) / len(band)
            lines.append(f"| {lo:.2f}-{hi:.2f} | {len(band)} | {mean:.3f} | {right:.3f} |")
    brier = sum((s - r) ** 2 for s, r in rows) / len(rows) if rows else None
    lines += [
        "",
        f"Brier score {_fmt(brier, 4)} over {len(rows)} (0: every score 1 when right, "
        "0 when wrong).",
    ]
    return "\n".join(lines)


def write_report(ev: Evaluation, out_dir: Path, title: str = "earlywarn evaluation") -> Path:
    """Write ``report.md``, ``recall_vs_time.png`` and ``scores.png`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_recall(ev, out_dir / "recall_vs_time.png")
    plot_scores(ev, out_dir / "scores.png")
    text = "\n".join(
        [
            f"# {title}",
            "",
            f"Input events: {ev.total_events:,}. Entities: {ev.total_entities:,}.",
            "",
            summary_table(ev),
            "",
            "Precision excludes alerted scam entities of another typology (cross-typology hits);",
            "a false alert counts against its own typology's row only (and `all`).",
            f"Hot-spot alerts (about cells and country pairs, not scored): {ev.place_alerts:,}.",
            "TTD: simulated time from campaign start (its first event) to the first matching",
            "alert on one of the campaign's entities, over detected campaigns. Definitions:",
            "`loadtest/README.md`.",
            "",
            "False alerts by the detector that raised them (the first reason's feature for"
            " alerts that do not name it):",
            "",
            false_alert_table(ev),
            "",
            "How often alerts were right, by score (each detector's alerted entities at their",
            "highest alert score; scam entities of another typology and campaign targets left",
            "out, as in precision):",
            "",
            calibration_table(ev),
            "",
            "![recall vs time since campaign start](recall_vs_time.png)",
            "",
            "![score distribution](scores.png)",
            "",
        ]
    )
    path = out_dir / "report.md"
    path.write_text(text, encoding="utf-8")
    return path
