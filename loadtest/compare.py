"""Streaming earlywarn against a batch baseline on PaySim and AMLSim, same test split.

Each data set is adapted to contract payments (:mod:`loadtest.adapters`), the earlywarn
core processes the whole stream in event-time order (:func:`~loadtest.compare_stream.run_stream`),
once as it comes and once with the first half's outcomes reported on the labels topic,
and a HistGradientBoosting baseline (:mod:`loadtest.compare_baseline`) is trained on the
first half in time. All are scored on the second half: PaySim per transaction
(:mod:`loadtest.compare_paysim`), AMLSim per account (:mod:`loadtest.compare_amlsim`).
This module runs one and writes its result. See ``models/README.md`` for the published
tables and what each row means.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson

from loadtest.compare_amlsim import compare_amlsim
from loadtest.compare_metrics import Comparison
from loadtest.compare_paysim import compare_paysim
from loadtest.compare_stream import StreamRun

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
DATA_ENV = "EARLYWARN_DATA_DIR"


def data_root() -> Path:
    """``$EARLYWARN_DATA_DIR``, else ``../shared/data`` next to the repository."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else REPO.parent / "shared" / "data"


def _git(*args: str) -> str:
    out = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def _commit() -> str:
    """Short HEAD, with ``+dirty`` when ``earlywarn/`` or ``loadtest/`` has uncommitted edits.

    ``$EARLYWARN_COMMIT`` overrides it (a run from a ``git archive`` snapshot of a commit).
    """
    if os.environ.get("EARLYWARN_COMMIT"):
        return os.environ["EARLYWARN_COMMIT"]
    try:
        head = _git("rev-parse", "--short", "HEAD") or "unknown"
        # results written by an earlier run of the same code are not an edit of it
        dirty = _git(
            "status", "--porcelain", "--", "earlywarn", "loadtest", ":(exclude)loadtest/results"
        )
    except OSError:
        return "unknown"
    return head + ("+dirty" if dirty else "")


def run_comparison(
    dataset: str,
    work: Path,
    *,
    models_dir: Path | None = Path("models"),
    limit: int | None = None,
    results: Path | None = RESULTS,
    command: str = "",
) -> tuple[Comparison, Path | None]:
    """Run one data set's comparison; write ``results/compare-<dataset>-<date>.json``."""
    started = time.perf_counter()
    root = data_root()
    if dataset == "paysim":
        cmp = compare_paysim(
            root / "paysim_sample" / "paysim_sample.csv", work, models_dir=models_dir, limit=limit
        )
    elif dataset == "amlsim":
        cmp = compare_amlsim(root / "amlsim_fanin", work, models_dir=models_dir, limit=limit)
    else:
        raise ValueError(f"unknown data set {dataset!r}: paysim or amlsim")
    cmp.meta["wall_seconds"] = round(time.perf_counter() - started, 1)
    if results is None:
        return cmp, None
    return cmp, write_result(dataset, cmp.to_dict(), results, command)


def write_result(name: str, doc: dict[str, Any], results: Path, command: str) -> Path:
    """Write ``doc`` with date, commit and command to ``results/compare-<name>-<date>.json``."""
    today = dt.date.today().isoformat()
    full = {**doc, "date": today, "commit": _commit(), "command": command}
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"compare-{name}-{today}.json"
    path.write_bytes(orjson.dumps(full, option=orjson.OPT_INDENT_2) + b"\n")
    return path


__all__ = [
    "Comparison",
    "StreamRun",
    "compare_amlsim",
    "compare_paysim",
    "run_comparison",
    "write_result",
]
