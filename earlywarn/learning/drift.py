"""Drift detection on score distributions, exposed as counters and a callback."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from river import drift


class DriftMonitor:
    """One ADWIN per channel over the scores the engine computes.

    The worker reads :attr:`drifts` (counts per channel) and :attr:`last_mean` for
    metrics, or passes ``on_drift`` to log each change as it happens; no metrics library
    is imported here.

    Examples
    --------
    >>> seen = []
    >>> m = DriftMonitor(on_drift=lambda ch, mean: seen.append(ch))
    >>> for i in range(3000):
    ...     _ = m.update("cdr", 0.1 if i < 1500 else 0.9)
    >>> m.drifts["cdr"] >= 1, seen[0]
    (True, 'cdr')
    """

    def __init__(
        self,
        *,
        delta: float = 0.002,
        on_drift: Callable[[str, float], None] | None = None,
    ) -> None:
        self.delta = delta
        self.on_drift = on_drift
        self.detectors: dict[str, drift.ADWIN] = {}
        self.drifts: Counter[str] = Counter()
        self.last_mean: dict[str, float] = {}

    def update(self, channel: str, score: float) -> bool:
        """Add one score; ``True`` when ADWIN detects a change in this channel."""
        det = self.detectors.get(channel)
        if det is None:
            det = self.detectors[channel] = drift.ADWIN(delta=self.delta)  # type: ignore[no-untyped-call]
        det.update(score)  # type: ignore[no-untyped-call]
        self.last_mean[channel] = float(det.estimation)
        if det.drift_detected:
            self.drifts[channel] += 1
            if self.on_drift is not None:
                self.on_drift(channel, float(det.estimation))
            return True
        return False
