"""``driftline dashboard``: the model dashboard over the service's store (read-only)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from typing import Any

from driftline.cli._common import EXIT_CODES, bounded
from driftline.errors import InvalidArgumentError

TOKEN_ENV = "DRIFTLINE_DASHBOARD_TOKEN"


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", epilog=EXIT_CODES, help="serve the model dashboard (read-only) over the store",
                       description="Serve the model dashboard: all models, one model, one monitor, one execution, over the "
                       "store the configuration names, opened read-only. Binds to 127.0.0.1 by default; another address "
                       f"needs --token (or {TOKEN_ENV}). Every request is logged on stderr.")
    p.add_argument("--config", required=True, help="the TOML configuration file (names the store and the monitors)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    p.add_argument("--port", type=bounded(int, 0, 65535), default=8080, help="port (default: 8080; 0: any free port)")
    p.add_argument("--token", help=f"require this bearer token (header Authorization: Bearer TOKEN, or ?token=TOKEN once per "
                   f"browser, which sets a cookie); default: the {TOKEN_ENV} environment variable")
    p.set_defaults(handler=dashboard, command="driftline dashboard")


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def dashboard(args: argparse.Namespace) -> int:
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None
    if token is not None and not token.strip():
        raise InvalidArgumentError("--token must not be empty")
    if not is_loopback(args.host) and token is None:
        raise InvalidArgumentError(f"--host {args.host} is not a loopback address: give --token (or set {TOKEN_ENV}) "
                                   "so that the dashboard is not open to anyone on the network")
    from driftline.service.config import load_config

    config = load_config(args.config)
    import uvicorn

    from driftline.dashboard.app import create_app

    app = create_app(config, token=token)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    access = logging.getLogger("driftline.dashboard.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    print(f"driftline dashboard: http://{args.host}:{args.port}/ (store {config.store.target}, read-only; Ctrl-C stops)",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning", server_header=False)
    return 0
