"""Scoring: events and their entities' states in, deduplicated detections out.

No Faust or Kafka here: :class:`Engine` runs the same in the stream, in replay and in
tests.
"""

from earlywarn.learning.calibration import calibrate
from earlywarn.scoring.core import Core
from earlywarn.scoring.engine import Engine
from earlywarn.scoring.forward import Forward, Linked, forward

__all__ = ["Core", "Engine", "Forward", "Linked", "calibrate", "forward"]
