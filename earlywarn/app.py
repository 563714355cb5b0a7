"""The Faust app for ``faust -A earlywarn.app worker``.

Configured from ``EARLYWARN_*`` variables (``EARLYWARN_BROKER``, ``EARLYWARN_KEYS_FILE``,
...). ``earlywarn worker`` does the same with command-line flags.
"""

from __future__ import annotations

from earlywarn.settings import Settings
from earlywarn.stream.runner import prepare

worker = prepare(Settings.from_env())
app = worker.app
