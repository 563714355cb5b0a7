"""A Faust worker that recovers one table from its changelog and prints the row count.

Run as ``python faust_recovery_worker.py BOOTSTRAP APP_ID DATADIR RESULT_FILE fix|nofix``; used by
``test_broker_faust_recovery.py`` in a subprocess (a Faust worker owns its process).
The changelog topic ``{APP_ID}-counts-changelog`` must already hold the rows.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import faust

from earlywarn.broker import install_faust_fix


def main(bootstrap: str, app_id: str, datadir: str, result_file: str, mode: str) -> None:
    """Start the worker; write the row count to ``result_file`` once recovery completes."""
    if mode == "fix":
        install_faust_fix()
    app: Any = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        datadir=datadir,
        broker_session_timeout=6,
        broker_heartbeat_interval=1,
        topic_partitions=1,
        web_enabled=False,
    )
    table = app.Table("counts", default=int, partitions=1)

    @app.agent(app.topic(f"{app_id}-in"))  # type: ignore[untyped-decorator]
    async def drain(stream: faust.StreamT[bytes]) -> None:
        async for _ in stream:
            pass

    @app.task  # type: ignore[untyped-decorator]
    async def report() -> None:
        await app.tables.recovery.completed.wait()
        Path(result_file).write_text(str(len(table)))
        os._exit(0)  # the group member is unique to this run; no clean leave needed

    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main(*sys.argv[1:6])
