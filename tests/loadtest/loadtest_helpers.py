"""Helpers shared by the loadtest tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from loadtest.simulate import ScenarioConfig, build_scenario
from loadtest.sink import FileSink, drain
from loadtest.truth import GroundTruth

SMALL = ScenarioConfig(seed=11, subscribers=1500, days=1.0, campaigns_per_typology=1, intensity=0.5)
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@dataclass
class Written:
    """A scenario written to ``out`` (``events.jsonl``, ``truth.json``)."""

    out: Path
    truth: GroundTruth
    counts: dict[str, int]


def write_scenario(config: ScenarioConfig, out: Path) -> Written:
    """Simulate ``config`` into ``out`` and return its ground truth and counts."""
    scenario = build_scenario(config)
    sink, counts = FileSink(out), {}
    drain(scenario.events(), sink, counts)
    sink.close()
    scenario.truth.event_counts = counts
    scenario.truth.save(out / "truth.json")
    return Written(out, scenario.truth, counts)


def data_dir(name: str) -> Path:
    """A shared data folder, or skip the test with the reason."""
    path = DATA / name
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent; adapter tests need it")
    return path
