"""``earlywarn`` command line: broker, worker, replay, demo, keys, alerts, schema, loadtest.

The parser and :func:`main`. The handlers of the commands defined here are in
:mod:`earlywarn.cli_commands`; the options several commands share, in
:mod:`earlywarn.cli_options`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from earlywarn.cli_commands import (
    cmd_broker,
    cmd_demo,
    cmd_keys_init,
    cmd_keys_rotate,
    cmd_replay,
    cmd_schema,
    cmd_topics,
    cmd_worker,
)
from earlywarn.cli_options import _broker_arg, _security_args, _settings

COUNTRIES = ("TH", "MY", "ID", "PH", "VN", "SG", "KH", "LA", "MM", "BN")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="earlywarn", description="Streaming early warnings for scams in telco and payments."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("broker", help="run the embedded Kafka-compatible broker (Tansu)")
    p.add_argument("--port", type=int, default=9092)
    p.add_argument("--storage", default="memory://tansu/", help="memory://tansu/ or s3://bucket/")
    p.set_defaults(func=cmd_broker)

    p = sub.add_parser("worker", help="run a stream worker (Faust)")
    _broker_arg(p)
    p.add_argument(
        "--embedded",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force the embedded-broker workarounds on/off (default: ask the broker)",
    )
    p.add_argument("--partitions", type=int, default=None)
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--web-port", type=int, default=None)
    p.add_argument(
        "--fetch-wait-ms",
        type=int,
        default=None,
        help="longest a fetch waits (default: 10 on the embedded broker; use 250 or more "
        "when it keeps data in s3://)",
    )
    p.add_argument(
        "--linger-ms",
        type=float,
        default=None,
        help="how long the producer holds a batch for more records (default 5)",
    )
    p.add_argument("--keys", type=Path, default=None, help="pseudonymisation keys file")
    p.add_argument("--models", type=Path, default=None, help="model artifacts (default models/)")
    p.add_argument("--app-id", default=None)
    p.add_argument("--routing", type=Path, default=None, help="routing rules (TOML)")
    p.add_argument("--loglevel", default="info")
    _security_args(p)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("topics", help="create every topic earlywarn uses (idempotent)")
    _broker_arg(p)
    p.add_argument("--partitions", type=int, default=None)
    p.add_argument("--keys", type=Path, default=None)
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("replay", help="run the detection core over JSONL files")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--out", default="-", help="operator alerts JSONL (default stdout)")
    p.add_argument(
        "--regulator-out",
        type=Path,
        default=None,
        help="directory for one pseudonymised JSONL per jurisdiction",
    )
    p.add_argument("--deadletter-out", type=Path, default=None)
    p.add_argument("--keys", type=Path, default=None)
    p.add_argument(
        "--models",
        default="models",
        help="model artifacts directory, as the worker's (default models/; 'none': cold start)",
    )
    p.add_argument(
        "--presorted",
        action="store_true",
        help="files are each in event-time order: merge in bounded memory",
    )
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("keys", help="pseudonymisation keys")
    ks = p.add_subparsers(dest="keys_command", required=True)
    k = ks.add_parser("init", help="write random development keys (not for production)")
    k.add_argument("file")
    k.add_argument("--countries", default=",".join(COUNTRIES))
    k.set_defaults(func=cmd_keys_init)
    k = ks.add_parser(
        "rotate", help="new key for some jurisdictions; the old one stays valid for an overlap"
    )
    k.add_argument("file")
    k.add_argument("--countries", required=True, help="comma-separated, e.g. TH,MY")
    k.add_argument("--overlap-days", type=float, default=7.0)
    k.set_defaults(func=cmd_keys_rotate)

    p = sub.add_parser("schema", help="print the JSON Schema of a contract record")
    p.add_argument("record", choices=["alert"])
    p.add_argument("--out", default=None, help="write to this file instead of stdout")
    p.set_defaults(func=cmd_schema)

    from earlywarn.alerts.cli import add_alerts_parser

    add_alerts_parser(sub, _broker_arg, _security_args, _settings)

    p = sub.add_parser("demo", help="broker + worker + seeded sample, with a live alert view")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--web-port", type=int, default=6066)
    p.set_defaults(func=cmd_demo)

    try:
        from loadtest import cli as loadtest_cli
    except ImportError:  # the loadtest package is not installed
        loadtest_cli = None  # type: ignore[assignment]
    if loadtest_cli is not None:
        for name in (
            "add_simulate_parser",
            "add_evaluate_parser",
            "add_adapt_parser",
            "add_compare_parser",
        ):
            adder = getattr(loadtest_cli, name, None)
            if adder is not None:
                adder(sub)
    from earlywarn.learning.cli import add_models_parser

    add_models_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from earlywarn.logs import FORMATS, setup_logging

    parser = build_parser()
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default=None,
        help="log lines as text or one JSON object each (env EARLYWARN_LOG_FORMAT; default text)",
    )
    args = parser.parse_args(argv)
    try:
        setup_logging(args.log_format)
    except ValueError as err:  # a bad EARLYWARN_LOG_FORMAT
        parser.error(str(err))
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
