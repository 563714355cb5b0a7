"""What the ``earlywarn`` commands broker, worker, topics, replay, keys, schema and demo do.

Each ``cmd_*`` takes the parsed arguments and returns the exit code. :mod:`earlywarn.cli`
builds the parser that dispatches to them; ``alerts``, ``models`` and the loadtest
commands live in :mod:`earlywarn.alerts.cli`, :mod:`earlywarn.learning.cli` and
:mod:`loadtest.cli`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from earlywarn.cli_options import _settings


def _config_errors() -> tuple[type[Exception], ...]:
    """Errors of a bad configuration file: reported in one line, exit code 2."""
    from earlywarn.alerts.keyfile import KeyFileError
    from earlywarn.alerts.pseudonymise import MissingKeyError
    from earlywarn.alerts.routing import RoutingConfigError
    from earlywarn.security import SecurityConfigError

    return (KeyFileError, MissingKeyError, RoutingConfigError, SecurityConfigError)


_CONFIG_ERRORS = _config_errors()


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
