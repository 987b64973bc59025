"""``driftline executions`` and ``driftline alerts``: what the store holds, newest first."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from driftline.cli._common import EXIT_CODES, bounded


def register(sub: Any) -> None:
    p = sub.add_parser("executions", epilog=EXIT_CODES, help="list the executions in the store, newest first",
                       description="List the executions the scheduler recorded (newest window first): monitor, window, "
                       "status, violations, output folder and reason.")
    p.add_argument("--config", required=True, help="the TOML configuration file (names the store)")
    p.add_argument("--monitor", help="only this monitor")
    p.add_argument("--limit", type=bounded(int, 1), default=100, help="at most this many (default: 100)")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument("--cloudwatch-dir", type=Path, help="also write every stored metric as CloudWatch PutMetricData request "
                   "bodies (put-metric-data-NNNN.json, 1000 datapoints each) into this folder")
    p.set_defaults(handler=executions, command="driftline executions")
    a = sub.add_parser("alerts", epilog=EXIT_CODES, help="list the alerts' states and their history, newest first",
                       description="List every alert's current state, then its changes of state and the actions they "
                       "started (newest first).")
    a.add_argument("--config", required=True, help="the TOML configuration file (names the store)")
    a.add_argument("--limit", type=bounded(int, 1), default=100, help="at most this many history entries (default: 100)")
    a.add_argument("--json", action="store_true", help="print one JSON object: states, history, actions")
    a.set_defaults(handler=alerts, command="driftline alerts")


def _iso(t: Any) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t is not None else None


def _open(args: argparse.Namespace) -> Any:
    from driftline.service.config import load_config
    from driftline.service.store import Store

    config = load_config(args.config)
    if args.__dict__.get("monitor"):
        config.monitor(args.monitor)  # an unknown name is an error naming the known ones
    return config, Store.open(config.store.target)


def executions(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        rows = store.executions(args.monitor, limit=args.limit)
        if args.cloudwatch_dir is not None:
            from driftline.service.exporters import write_cloudwatch

            files = write_cloudwatch(config, store, args.cloudwatch_dir)
            print(f"{len(files)} PutMetricData request files -> {args.cloudwatch_dir}", file=sys.stderr)
    if args.json:
        print(json.dumps([{"monitor": e.monitor, "model": e.model, "window_start": _iso(e.window_start), "window_end": _iso(e.window_end),
                           "scheduled_time": _iso(e.scheduled_time), "status": e.status, "reason": e.reason, "output": e.output,
                           "violations": e.violations, "attempts": e.attempts, "started": _iso(e.started), "ended": _iso(e.ended)}
                          for e in rows], indent=1, ensure_ascii=False))
        return 0
    if not rows:
        print("no executions recorded yet")
        return 0
    print(f"{'monitor':<28} {'window start':<21} {'status':<24} {'viol':>4}  output / reason")
    for e in rows:
        detail = e.reason if e.status == "Failed" else e.output
        print(f"{e.monitor[:28]:<28} {_iso(e.window_start) or '':<21} {e.status:<24} {e.violations:>4}  {detail}")
    return 0


def alerts(args: argparse.Namespace) -> int:
    config, store = _open(args)
    with store:
        states = [{"monitor": m.name, "alert": a.name, "state": s, "since": _iso(t)}
                  for m in config.monitors for a in m.alerts for s, t in [store.alert_state(m.name, a.name)]]
        history = store.alert_history(limit=args.limit)
        audit = store.audit(limit=args.limit)
    if args.json:
        print(json.dumps({"states": states, "history": history, "actions": [{**r, "at": _iso(r["at"]) if not isinstance(r["at"], str) else r["at"]}
                                                                              for r in audit]},
                         indent=1, ensure_ascii=False, default=str))
        return 0
    if not states:
        print("the configuration defines no alerts")
    for s in states:
        print(f"{s['monitor']}/{s['alert']}: {s['state']}" + (f" since {s['since']}" if s["since"] else ""))
    if history:
        print("\nhistory (newest first):")
        for h in history:
            print(f"  {h['at']}  {h['monitor']}/{h['alert']}: {h['previous']} -> {h['state']}: {h['reason']}")
    if audit:
        print("\nactions (newest first):")
        for r in audit:
            print(f"  {_iso(r['at']) if not isinstance(r['at'], str) else r['at']}  {r['monitor']}/{r['alert']} {r['kind']} "
                  f"{r['target']}: {r['outcome']}" + (" (dry run)" if r.get("dry_run") else "") + (f" - {r['detail']}" if r.get("detail") else ""))
    return 0
