"""Run the detection pipeline over files of contract events, without a broker.

Each input line is one JSON object with a ``"topic"`` field naming its input topic.
Lines are processed in event-time order (``event_time``; ``reported_time`` for labels);
ties keep file order. Invalid lines are counted by reason and never stop the run.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from earlywarn.alerts.pseudonymise import Pseudonymiser
from earlywarn.alerts.route import Router
from earlywarn.learning.artifact import load_engine
from earlywarn.outcome import Outcome
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics

_TIME_FIELDS = ("event_time", "reported_time")


@dataclass
class ReplaySummary:
    """What a replay saw and raised."""

    lines: int = 0
    events_by_topic: Counter[str] = field(default_factory=Counter)
    invalid_by_reason: Counter[str] = field(default_factory=Counter)
    alerts_by_typology: Counter[str] = field(default_factory=Counter)
    regulator_alerts: Counter[str] = field(default_factory=Counter)
    #: ``typology:outcome`` of the alerts later labels judged (see
    #: :func:`~earlywarn.scoring.feedback.label_feedback`).
    label_feedback: Counter[str] = field(default_factory=Counter)
    wall_seconds: float = 0.0

    @property
    def alerts(self) -> int:
        return sum(self.alerts_by_typology.values())

    def render(self) -> str:
        rate = self.lines / self.wall_seconds if self.wall_seconds else 0.0
        out = [
            f"lines: {self.lines}  wall: {self.wall_seconds:.1f}s  rate: {rate:,.0f} lines/s",
            "events by topic: " + _fmt(self.events_by_topic),
            "invalid by reason: " + _fmt(self.invalid_by_reason),
            f"alerts: {self.alerts}  by typology: " + _fmt(self.alerts_by_typology),
            "regulator copies: " + _fmt(self.regulator_alerts),
            "alerts judged by later labels: " + _fmt(self.label_feedback),
        ]
        return "\n".join(out)


def _fmt(counter: Counter[str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counter.items())) or "none"


@dataclass(order=True, slots=True)
class _Line:
    time: float
    seq: int
    topic: str = field(compare=False)
    raw: bytes = field(compare=False)
    problem: str | None = field(compare=False, default=None)


def parse_lines(lines: Iterable[bytes], file_no: int = 0) -> Iterator[_Line]:
    """Parse raw JSONL lines into sortable records; bad lines carry their problem."""
    last_time = 0.0
    for line_no, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        seq = (file_no << 40) | line_no
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield _Line(last_time, seq, "", line, "not_json")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("topic"), str):
            yield _Line(last_time, seq, "", line, "no_topic")
            continue
        stamp = next((obj[f] for f in _TIME_FIELDS if isinstance(obj.get(f), str)), None)
        try:
            when = datetime.fromisoformat(stamp).timestamp() if stamp else last_time
        except (ValueError, OverflowError):
            when = last_time  # the decoder dead-letters it with its reason
        last_time = when
        yield _Line(when, seq, obj["topic"], line)


def _read(path: Path, file_no: int) -> Iterator[_Line]:
    with path.open("rb") as fh:
        yield from parse_lines(fh, file_no)


def read_lines(paths: Iterable[Path], *, presorted: bool = False) -> Iterator[_Line]:
    """All lines of ``paths`` in event-time order.

    With ``presorted`` the files are merged as streams (each must already be in
    event-time order), in bounded memory; otherwise everything is read and sorted.
    """
    iters = [_read(Path(p), i) for i, p in enumerate(paths)]
    if presorted:
        yield from heapq.merge(*iters)
    else:
        yield from sorted(line for it in iters for line in it)


class Replay:
    """Replay files through a :class:`Pipeline` and write the alerts it raises.

    Examples
    --------
    >>> import io
    >>> r = Replay(pseudonymiser=Pseudonymiser({}))
    >>> r.run_lines([b'{"topic": "telco.cdr", "event_id": 1}'], out=io.StringIO()).invalid_by_reason
    Counter({'missing_field': 1})
    """

    def __init__(
        self,
        *,
        pseudonymiser: Pseudonymiser,
        engine: Engine | None = None,
        topics: Topics | None = None,
        models_dir: Path | None = Path("models"),
    ) -> None:
        self.topics = topics or Topics()
        self.pipeline = Pipeline(
            engine=engine or load_engine(models_dir),
            router=Router(self.topics, pseudonymiser),
            stores=Stores.in_memory(),
            topics=self.topics,
        )

    def run(
        self,
        paths: Iterable[Path],
        *,
        out: IO[str],
        regulator_dir: Path | None = None,
        deadletter_out: IO[str] | None = None,
        presorted: bool = False,
    ) -> ReplaySummary:
        return self._run(read_lines(paths, presorted=presorted), out, regulator_dir, deadletter_out)

    def run_lines(self, lines: Iterable[bytes], *, out: IO[str]) -> ReplaySummary:
        """Replay in-memory lines (in the order given)."""
        return self._run(parse_lines(lines), out, None, None)

    def _run(
        self,
        lines: Iterator[_Line],
        out: IO[str],
        regulator_dir: Path | None,
        deadletter_out: IO[str] | None,
    ) -> ReplaySummary:
        summary = ReplaySummary()
        started = time.perf_counter()
        reg_files: dict[str, IO[str]] = {}
        try:
            for line in lines:
                summary.lines += 1
                if line.problem is not None:
                    summary.invalid_by_reason[line.problem] += 1
                    continue
                outcome = self.pipeline.handle(line.topic, line.raw, now=line.time)
                self._collect(outcome, summary, out, regulator_dir, reg_files, deadletter_out)
                # Forwards are processed at once, depth first, in the order raised (the
                # stream processes them as soon as the internal topics deliver them).
                stack = list(reversed(outcome.forwards))
                while stack:
                    fwd = stack.pop()
                    done = self.pipeline.handle_internal(fwd.kind, fwd.raw, now=line.time)
                    self._collect(done, summary, out, regulator_dir, reg_files, deadletter_out)
                    stack.extend(reversed(done.forwards))
        finally:
            for fh in reg_files.values():
                fh.close()
        summary.wall_seconds = time.perf_counter() - started
        return summary

    def _collect(
        self,
        outcome: Outcome,
        summary: ReplaySummary,
        out: IO[str],
        regulator_dir: Path | None,
        reg_files: dict[str, IO[str]],
        deadletter_out: IO[str] | None,
    ) -> None:
        if outcome.event is not None:
            summary.events_by_topic[outcome.kind or "?"] += 1
        if outcome.deadletter is not None:
            summary.invalid_by_reason[outcome.deadletter["reason"]] += 1
            if deadletter_out is not None:
                deadletter_out.write(orjson.dumps(outcome.deadletter).decode() + "\n")
        for alert in outcome.alerts:
            summary.alerts_by_typology[alert.typology] += 1
        for typology, judged in outcome.feedback:
            summary.label_feedback[f"{typology}:{judged}"] += 1
        for copy in outcome.routed:
            line = orjson.dumps(copy.alert.to_dict()).decode() + "\n"
            if copy.topic == self.topics.alerts_operators:
                out.write(line)
                continue
            summary.regulator_alerts[copy.topic] += 1
            if regulator_dir is not None:
                fh = reg_files.get(copy.topic)
                if fh is None:
                    regulator_dir.mkdir(parents=True, exist_ok=True)
                    fh = reg_files[copy.topic] = (regulator_dir / f"{copy.topic}.jsonl").open("w")
                fh.write(line)


def load_alerts(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file of alerts."""
    with path.open("rb") as fh:
        return [orjson.loads(line) for line in fh if line.strip()]
