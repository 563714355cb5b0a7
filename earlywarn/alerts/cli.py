"""``earlywarn alerts tail|export``: the subscriber commands."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from earlywarn.contract.alert import SEVERITIES
from earlywarn.settings import Settings

_Adder = Callable[[argparse.ArgumentParser], None]


def _common(p: argparse.ArgumentParser, broker_arg: _Adder, security_args: _Adder) -> None:
    broker_arg(p)
    p.add_argument(
        "--topic",
        action="append",
        default=None,
        help="alert topic to read, repeatable (default earlywarn.alerts.operators)",
    )
    p.add_argument("--severity", choices=SEVERITIES, default=None, help="minimum severity")
    p.add_argument("--typology", action="append", default=None, help="only these, repeatable")
    p.add_argument(
        "--group",
        default=None,
        help="join this consumer group and commit positions (default: no group, no commits)",
    )
    security_args(p)


def add_alerts_parser(
    sub: Any,
    broker_arg: _Adder,
    security_args: _Adder,
    settings: Callable[[argparse.Namespace], Settings],
) -> None:
    """Add ``alerts tail`` and ``alerts export`` to the top-level subparsers."""
    p = sub.add_parser("alerts", help="read alert topics: live view and export")
    cmds = p.add_subparsers(dest="alerts_command", required=True)

    t = cmds.add_parser("tail", help="live, readable view of alerts (each shown once)")
    _common(t, broker_arg, security_args)
    t.add_argument("--json", action="store_true", help="one JSON alert per line")
    t.add_argument("--from-beginning", action="store_true", help="start at the first stored alert")
    t.add_argument("--limit", type=int, default=None, help="stop after this many alerts")
    t.set_defaults(func=lambda a: cmd_tail(a, settings(a)))

    e = cmds.add_parser("export", help="alerts of a period, once each, as CSV or JSONL")
    _common(e, broker_arg, security_args)
    e.add_argument("--since", default=None, help="ISO-8601 time or age (30m, 24h, 7d)")
    e.add_argument("--until", default=None, help="ISO-8601 time or age (exclusive)")
    e.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    e.add_argument("--out", type=Path, default=None, help="file (default stdout)")
    e.add_argument("--timeout", type=float, default=120.0, help="seconds to read the topics")
    e.set_defaults(func=lambda a: cmd_export(a, settings(a)))


def _topics(args: argparse.Namespace, settings: Settings) -> list[str]:
    return list(args.topic or [settings.topics.alerts_operators])


def cmd_tail(args: argparse.Namespace, settings: Settings) -> int:
    from earlywarn.alerts.subscribe import AlertReader, tail

    reader = AlertReader(
        settings.bootstrap,
        _topics(args, settings),
        from_beginning=args.from_beginning,
        group=args.group,
        security=settings.security,
    )
    stop = threading.Event()
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        tail(
            reader,
            sys.stdout,
            min_severity=args.severity,
            typologies=frozenset(args.typology or ()),
            as_json=args.json,
            limit=args.limit,
            stop=stop.is_set,
        )
    finally:
        reader.close()
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from earlywarn.alerts.subscribe import AlertReader, export, parse_time

    try:
        since = parse_time(args.since) if args.since else None
        until = parse_time(args.until) if args.until else None
    except ValueError as err:
        print(f"earlywarn alerts export: {err}", file=sys.stderr)
        return 2
    reader = AlertReader(
        settings.bootstrap,
        _topics(args, settings),
        from_beginning=True,
        group=args.group,
        security=settings.security,
    )
    try:
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(open(args.out, "w", newline="")) if args.out else sys.stdout
            n = export(
                reader.read_all(timeout_s=args.timeout),
                out,
                fmt=args.format,
                since=since,
                until=until,
                min_severity=args.severity,
                typologies=frozenset(args.typology or ()),
            )
    except TimeoutError as err:
        print(f"earlywarn alerts export: {err}", file=sys.stderr)
        return 1
    finally:
        reader.close()
    skipped = f", {reader.bad} unreadable records skipped" if reader.bad else ""
    print(f"exported {n} alerts{skipped}", file=sys.stderr)
    return 0
