"""Running mean and variance of a stream of numbers, in constant memory."""

from __future__ import annotations

import math


class RunningStat:
    """Welford mean and variance.

    >>> s = RunningStat()
    >>> for x in (1.0, 2.0, 3.0):
    ...     s.update(x)
    >>> s.mean, round(s.std, 4)
    (2.0, 0.8165)
    """

    __slots__ = ("m2", "mean", "n")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0

    def update(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else 0.0

    def z(self, x: float) -> float:
        """Standard score of ``x`` (0 while there is no spread)."""
        std = self.std
        return (x - self.mean) / std if std > 1e-12 else 0.0
