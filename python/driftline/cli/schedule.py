"""``driftline schedule run-once`` / ``driftline schedule run``: the monitoring service."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from driftline.cli._common import EXIT_CODES, bounded, iso_time


def register(sub: Any) -> None:
    p = sub.add_parser("schedule", epilog=EXIT_CODES, help="run monitors on their schedules and record them in the store",
                       description="Run the monitors a configuration file describes on their schedules, record every "
                       "execution and its metrics in the execution store, evaluate the alerts and start their actions.")
    ssub = p.add_subparsers(dest="schedule_command", metavar="SUBCOMMAND")
    once = ssub.add_parser("run-once", epilog=EXIT_CODES, help="run every window due at a time that has not completed (the backfill)",
                           description="Run, oldest first, every window of every monitor that is due at --at (default: now) "
                           "and has not completed, then exit. Each window completes at most once, however often this runs.")
    _common(once)
    once.add_argument("--at", type=iso_time, help="the time to run up to (ISO 8601, UTC; default: now)")
    once.set_defaults(handler=run_once, command="driftline schedule run-once")
    loop = ssub.add_parser("run", epilog=EXIT_CODES, help="the long-running scheduler",
                           description="Run due windows, wait for the next due time, repeat. SIGTERM or SIGINT stops it "
                           "cleanly after the current execution.")
    _common(loop)
    loop.add_argument("--metrics-port", type=bounded(int, 0, 65535), help="serve the store's latest metrics in Prometheus' text "
                      "format on this port (0: any free port)")
    loop.add_argument("--metrics-host", default="127.0.0.1", help="address of the metrics endpoint (default: 127.0.0.1, loopback only)")
    loop.add_argument("--poll-seconds", type=bounded(float, 0.1), default=30.0, help="longest wait between passes (default: 30)")
    loop.set_defaults(handler=run_loop, command="driftline schedule run")
    p.set_defaults(handler=lambda a: _usage(p), command="driftline schedule")


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, help="the TOML configuration file")
    p.add_argument("--dry-run", action="store_true", help="show what would run; run nothing and start no action")
    p.add_argument("--retry-failed", action="store_true", help="run windows that Failed again (by default a failure is final, "
                   "as in SageMaker; an interrupted execution always runs again)")
    p.add_argument("--lease-seconds", type=bounded(float, 1.0), default=60.0,
                   help="lease of a running execution, renewed while it runs; an execution whose process died is run again "
                   "once its lease has expired (default: 60)")


def _scheduler(args: argparse.Namespace) -> Any:
    from driftline.service.config import load_config
    from driftline.service.scheduler import Scheduler
    from driftline.service.store import Store

    config = load_config(args.config)
    store = Store.open(config.store.target)
    return Scheduler(config, store, dry_run=args.dry_run, retry_failed=args.retry_failed, lease_seconds=args.lease_seconds,
                     echo=lambda s: print(s, flush=True)), store


def run_once(args: argparse.Namespace) -> int:
    from driftline.io import to_utc

    scheduler, store = _scheduler(args)
    with store:
        done = scheduler.run_once(to_utc(args.at, "--at") if args.at else None)
        scheduler.flush(wait=True)
    failed = sum(e.status == "Failed" for e in done)
    print(f"{len(done)} executions ran ({failed} failed)" if not args.dry_run else "dry run: nothing ran")
    return 1 if failed else 0


def run_loop(args: argparse.Namespace) -> int:
    scheduler, store = _scheduler(args)
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        if not stopping.is_set():
            print(f"{signal.Signals(signum).name}: stopping after the current execution", flush=True)
        stopping.set()
        scheduler.stop_requested.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = None
    if args.metrics_port is not None:
        from driftline.service.exporters import serve_prometheus

        server = serve_prometheus(scheduler.config, args.metrics_host, args.metrics_port)
        print(f"metrics: http://{args.metrics_host}:{server.server_port}/metrics", flush=True)
    try:
        with store:
            scheduler.run_forever(poll_seconds=args.poll_seconds)
    finally:
        if server is not None:
            server.shutdown()
    print("scheduler stopped", flush=True)
    return 0
