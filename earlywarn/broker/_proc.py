"""Process and socket helpers for :mod:`earlywarn.broker.embedded` (loopback only)."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import socket
from collections import deque
from pathlib import Path

HOST = "127.0.0.1"


def free_port(port: int) -> int | None:
    """Return ``port`` if it can be bound now (a free port if ``port`` is 0), else ``None``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return None
            raise
        return int(s.getsockname()[1])


def accepts(port: int, timeout: float) -> bool:
    """Return whether something on ``HOST:port`` accepts a TCP connection."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def owns_listener(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` has a listening TCP socket on ``port``; ``None`` if unknown.

    Reads Linux ``/proc``. A plain connect test is not enough: if another process holds the
    port, the connect succeeds while the broker is failing to bind.
    """
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        with open(f"/proc/{pid}/net/tcp", encoding="ascii") as table:
            next(table)  # header
            for row in table:
                cols = row.split()
                local, state, inode = cols[1], cols[3], cols[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port and inode in inodes:
                    return True
        return False
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM the broker if the process that started it dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def tail(path: Path, lines: int) -> str:
    """Return the last ``lines`` lines of a text file."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).rstrip()
    except OSError:
        return "(no log output)"
