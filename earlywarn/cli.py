"""``earlywarn`` command line: broker, worker, replay, demo, keys, alerts, schema, loadtest."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from earlywarn.settings import Settings

COUNTRIES = ("TH", "MY", "ID", "PH", "VN", "SG", "KH", "LA", "MM", "BN")


def _config_errors() -> tuple[type[Exception], ...]:
    """Errors of a bad configuration file: reported in one line, exit code 2."""
    from earlywarn.alerts.keyfile import KeyFileError
    from earlywarn.alerts.pseudonymise import MissingKeyError
    from earlywarn.alerts.routing import RoutingConfigError
    from earlywarn.security import SecurityConfigError

    return (KeyFileError, MissingKeyError, RoutingConfigError, SecurityConfigError)


_CONFIG_ERRORS = _config_errors()


def _broker_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--broker",
        default=None,
        help="kafka://host:port[;host:port] (env EARLYWARN_BROKER; default kafka://127.0.0.1:9092)",
    )


_SECURITY_FLAGS = (
    "security_protocol", "ssl_cafile", "ssl_certfile", "ssl_keyfile",
    "sasl_mechanism", "sasl_username", "sasl_password_file",
)  # fmt: skip


def _security_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Kafka security (each also EARLYWARN_<NAME>)")
    g.add_argument("--security-protocol", default=None, help="PLAINTEXT, SSL, SASL_SSL, ...")
    g.add_argument("--ssl-cafile", type=Path, default=None, help="CA bundle of the brokers")
    g.add_argument("--ssl-certfile", type=Path, default=None, help="client certificate (mTLS)")
    g.add_argument("--ssl-keyfile", type=Path, default=None, help="client key (mTLS)")
    g.add_argument("--sasl-mechanism", default=None, help="PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
    g.add_argument("--sasl-username", default=None)
    g.add_argument(
        "--sasl-password-file",
        type=Path,
        default=None,
        help="file holding the SASL password (or env EARLYWARN_SASL_PASSWORD)",
    )


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    embedded = getattr(args, "embedded", None)
    for name in _SECURITY_FLAGS:
        extra.setdefault(name, getattr(args, name, None))
    extra.setdefault("routing_file", getattr(args, "routing", None))
    return Settings.from_env(
        broker=getattr(args, "broker", None),
        embedded=embedded,
        partitions=getattr(args, "partitions", None),
        data_dir=getattr(args, "data_dir", None),
        web_port=getattr(args, "web_port", None),
        keys_file=getattr(args, "keys", None),
        models_dir=getattr(args, "models", None)
        if not isinstance(getattr(args, "models", None), str)
        else None,
        app_id=getattr(args, "app_id", None),
        fetch_wait_ms=getattr(args, "fetch_wait_ms", None),
        linger_ms=getattr(args, "linger_ms", None),
        **extra,
    )


def cmd_broker(args: argparse.Namespace) -> int:
    from earlywarn.broker import EmbeddedBroker, EmbeddedBrokerError

    try:
        broker = EmbeddedBroker(port=args.port, storage=args.storage)
        broker.start()
    except EmbeddedBrokerError as err:
        print(f"earlywarn broker: {err}", file=sys.stderr)
        return 2
    print(f"embedded broker listening on {broker.url} (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            if not broker.running:
                print("earlywarn broker: the broker process exited", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
    print("embedded broker stopped", flush=True)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from earlywarn.stream.runner import run_worker

    try:
        return run_worker(_settings(args), loglevel=args.loglevel)
    except _CONFIG_ERRORS as err:
        print(f"earlywarn worker: {err}", file=sys.stderr)
        return 2


def cmd_topics(args: argparse.Namespace) -> int:
    from earlywarn.alerts.pseudonymise import load_keys
    from earlywarn.stream.bootstrap import ensure_topics

    settings = _settings(args)
    try:
        countries = load_keys(settings.keys_file).countries
        wanted = ensure_topics(settings, countries)
    except _CONFIG_ERRORS as err:
        print(f"earlywarn topics: {err}", file=sys.stderr)
        return 2
    for name, n in sorted(wanted.items()):
        print(f"{name}\t{n} partitions")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from earlywarn.alerts.pseudonymise import Pseudonymiser, load_keys
    from earlywarn.replay import Replay

    keys_file = args.keys or (
        Path(os.environ["EARLYWARN_KEYS_FILE"]) if os.environ.get("EARLYWARN_KEYS_FILE") else None
    )
    if args.regulator_out is not None or keys_file or os.environ.get("EARLYWARN_KEYS"):
        pseudonymiser = load_keys(keys_file)
    else:
        pseudonymiser = Pseudonymiser({})
    models = None if str(args.models).lower() == "none" else Path(args.models)
    replay = Replay(pseudonymiser=pseudonymiser, models_dir=models)
    with contextlib.ExitStack() as stack:
        out = sys.stdout if str(args.out) == "-" else stack.enter_context(open(args.out, "w"))
        dead = stack.enter_context(open(args.deadletter_out, "w")) if args.deadletter_out else None
        summary = replay.run(
            args.files,
            out=out,
            regulator_dir=args.regulator_out,
            deadletter_out=dead,
            presorted=args.presorted,
        )
    print(summary.render(), file=sys.stderr)
    return 0


def cmd_keys_init(args: argparse.Namespace) -> int:
    from earlywarn.alerts.pseudonymise import write_dev_keys

    countries = tuple(c.strip().upper() for c in args.countries.split(",") if c.strip())
    write_dev_keys(Path(args.file), countries)
    print(f"wrote development keys for {', '.join(countries)} to {args.file} (mode 0600)")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from earlywarn.alerts.keyfile import KeyFileError, rotate_keys

    countries = tuple(c.strip().upper() for c in args.countries.split(",") if c.strip())
    try:
        new = rotate_keys(Path(args.file), countries, overlap_s=args.overlap_days * 86400.0)
    except (KeyFileError, OSError) as err:
        print(f"earlywarn keys rotate: {err}", file=sys.stderr)
        return 2
    for cc, key_id in sorted(new.items()):
        print(f"{cc}: new key {key_id}; the previous key stays valid {args.overlap_days:g} days")
    print("restart the workers to use the new keys", file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from earlywarn.contract.schema import alert_schema

    text = json.dumps(alert_schema(), indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from earlywarn.demo import run_demo

    return run_demo(data_dir=Path(args.data_dir or "var/demo"), web_port=args.web_port)


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
