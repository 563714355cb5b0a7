"""Helpers for the deployment and observability tests (importable from test modules)."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KEY_COUNTRIES = ("TH", "MY", "ID", "PH", "VN", "SG")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_tool(name: str) -> str | None:
    """``name`` on PATH, in the venv's bin, or in /usr/bin (Debian's prometheus package)."""
    venv_bin = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
    for candidate in (shutil.which(name), venv_bin / name, Path("/usr/bin") / name):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    return None
