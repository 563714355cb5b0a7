"""Versioned model artifacts in ``models/``: thresholds, calibration, online models, card.

An artifact is a directory ``models/<version>/`` holding ``artifact.json`` (version,
per-detector thresholds, calibration curves, known brand sender ids, training data and
metrics) and, once a worker checkpointed, ``online.pkl`` (the River anomaly and label
models). ``models/LATEST`` names the promoted version; workers warm-start from it.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from earlywarn.scoring import Engine

ARTIFACT = "artifact.json"
ONLINE = "online.pkl"
LATEST = "LATEST"


def load_artifact(path: Path) -> dict[str, Any]:
    """Read ``artifact.json`` of the artifact directory ``path``."""
    out: dict[str, Any] = orjson.loads((path / ARTIFACT).read_bytes())
    return out


def save_artifact(path: Path, artifact: dict[str, Any]) -> None:
    """Write ``artifact.json`` (sorted, indented) into ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    opts = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    (path / ARTIFACT).write_bytes(orjson.dumps(artifact, option=opts) + b"\n")


def latest(models_dir: Path) -> Path | None:
    """The promoted artifact directory, or ``None``."""
    marker = models_dir / LATEST
    if not marker.exists():
        return None
    path = models_dir / marker.read_text().strip()
    return path if (path / ARTIFACT).exists() else None


def promote(models_dir: Path, version: str) -> Path:
    """Make ``version`` the one workers warm-start from."""
    path = models_dir / version
    if not (path / ARTIFACT).exists():
        raise FileNotFoundError(f"no artifact {path}")
    (models_dir / LATEST).write_text(version + "\n")
    return path


def checkpoint(engine: Engine, path: Path) -> None:
    """Write the engine's artifact settings and its online models into ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from earlywarn.scoring import Engine
    >>> d = Path(tempfile.mkdtemp())
    >>> art = {"version": "t1", "thresholds": {"wangiri": 0.8},
    ...        "supervised_thresholds": {"sup-cdr": {"simbox": 0.97}}}
    >>> checkpoint(Engine(artifact=art), d)
    >>> restored = warm_start(d)
    >>> restored.artifact_version, restored.thresholds["wangiri"]
    ('t1', 0.8)
    >>> restored.label_models["cdr"].class_threshold("simbox")
    0.97
    """
    art = {
        "version": engine.artifact_version,
        "thresholds": engine.thresholds,
        "calibration": engine.calibration,
        "known_brands": list(engine.known_brands),
        "supervised_threshold": engine.supervised_threshold,
        "supervised_thresholds": engine.supervised_thresholds,
        "label_forms": engine.label_forms,
    }
    if (path / ARTIFACT).exists():
        art = {**load_artifact(path), **art}
    save_artifact(path, art)
    state = {"anomaly": engine.anomaly_models, "labels": engine.label_models, "seed": engine.seed}
    tmp = path / (ONLINE + ".tmp")
    tmp.write_bytes(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path / ONLINE)


def warm_start(path: Path, **engine_kwargs: Any) -> Engine:
    """An engine with the artifact's settings and, if checkpointed, its online models."""
    from earlywarn.scoring import Engine

    engine = Engine(artifact=load_artifact(path), **engine_kwargs)
    online = path / ONLINE
    if online.exists():
        state = pickle.loads(online.read_bytes())  # our own checkpoint, never foreign input
        if engine.anomaly_models:
            engine.anomaly_models = state["anomaly"]
        if engine.label_models:  # learned weights, this artifact's thresholds
            # a checkpoint older than a label model, or of another form than the one
            # now configured, keeps the engine's fresh one
            fresh = engine.label_models
            kept = {
                k: m
                for k, m in state["labels"].items()
                if k in fresh and getattr(m, "form", "linear") == fresh[k].form
            }
            engine.set_label_models({**fresh, **kept})
    return engine


def load_engine(
    models_dir: Path | None, checkpoint_dir: Path | None = None, **engine_kwargs: Any
) -> Engine:
    """The engine a worker or a replay starts with.

    Its own last checkpoint if there is one, else the promoted artifact of ``models_dir``,
    else a cold engine with built-in defaults.
    """
    if checkpoint_dir is not None and (checkpoint_dir / ARTIFACT).exists():
        return warm_start(checkpoint_dir, **engine_kwargs)
    promoted = latest(models_dir) if models_dir is not None else None
    if promoted is not None:
        return warm_start(promoted, **engine_kwargs)
    from earlywarn.scoring import Engine

    return Engine(**engine_kwargs)
