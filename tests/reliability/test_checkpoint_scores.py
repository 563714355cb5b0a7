"""Core level: an engine warm-started from a checkpoint scores exactly as the engine that
wrote it would have gone on scoring (the worker-level check is in test_faults.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.learning.artifact import load_engine
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics
from loadtest.chaos.reference import events_for

MODELS = Path(__file__).resolve().parents[2] / "models"


def _pipeline(engine: Engine, stores: Stores) -> Pipeline:
    return Pipeline(engine=engine, router=Router(Topics(), Pseudonymiser({})), stores=stores)


def _run(pipe: Pipeline, events: list[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """Replay-style: forwards at once; (alert_id, typology, score) of every alert."""
    alerts: list[tuple[str, str, float]] = []
    for ev in events:
        body = dict(ev)
        topic = body.pop("topic")
        t = 0.0
        out = pipe.handle(topic, orjson.dumps(body), now=t)
        stack = [out]
        while stack:
            done = stack.pop()
            alerts += [(a.alert_id, a.typology, a.score) for a in done.alerts]
            stack += [pipe.handle_internal(f.kind, f.raw, now=t) for f in reversed(done.forwards)]
    return alerts


def _copy(stores: Stores) -> Stores:
    fields = ("callers", "senders", "debits", "credits", "imeis", "domains", "subscribers")
    copied = {name: dict(getattr(stores, name)) for name in (*fields, "hotspots", "watchlist")}
    return Stores(**copied)


def test_warm_started_engine_scores_like_the_one_that_checkpointed(tmp_path: Path) -> None:
    events = events_for(3_000, seed=5)
    half = len(events) // 2
    first = _pipeline(load_engine(MODELS), Stores.in_memory())
    _run(first, events[:half])
    first.engine.checkpoint(tmp_path / "checkpoint")

    restarted = _pipeline(load_engine(MODELS, tmp_path / "checkpoint"), _copy(first.stores))
    cold = _pipeline(load_engine(MODELS), _copy(first.stores))
    for ch, model in first.engine.anomaly_models.items():
        assert restarted.engine.anomaly_models[ch].n_learned == model.n_learned > 0
    kept = _run(first, events[half:])
    after_restart = _run(restarted, events[half:])
    _run(cold, events[half:])
    assert kept and after_restart == kept
    for ch, model in first.engine.anomaly_models.items():
        assert restarted.engine.anomaly_models[ch].n_learned == model.n_learned
        # Control: without the checkpoint the models start over.
        assert cold.engine.anomaly_models[ch].n_learned < model.n_learned
