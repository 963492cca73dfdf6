"""`devstack`: the local launcher. `devstack up` runs the whole system with demo data."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from devstack import schema_export, schema_gate, toolchain
from devstack.config import StackConfig
from devstack.stack import Stack, StackError


def _banner(stack: Stack) -> str:
    config = stack.config
    customer = stack.demo.customer_id if stack.demo else "<customer id>"
    query = (
        '{ customer(id: \\"'
        + customer
        + '\\") { name portfolios { name valuation { marketValue { amount currencyCode } } } } }'
    )
    return f"""
  Portfolio supergraph is up ({stack.startup_seconds:.1f}s).

  GraphiQL (Dashboard preloaded): {config.router_graphql_url}
  Router health:                  {config.url("router", "/healthcheck")}  {config.url("router", "/readiness")}
  Subgraphs:                      customers {config.url("customers", "/graphql")}
                                  portfolios {config.url("portfolios", "/graphql")}
                                  assets {config.url("assets", "/graphql")}
  DynamoDB Local:                 {config.dynamodb_url}  (data in {config.data_dir})
  Demo customer id:               {customer}

  Try it:
    curl -s {config.router_graphql_url} -H 'content-type: application/json' \\
      -d '{{"query": "{query}"}}'

  Ctrl-C stops everything.
"""


def up() -> int:
    config = StackConfig.from_env(data_dir=toolchain.DATA_DIR)
    stopping = threading.Event()

    def on_signal(signum: int, _: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stack = Stack(config)
    try:
        stack.start()
        print(_banner(stack), flush=True)
        while not stopping.wait(1.0):
            stack.check_alive()
    except StackError as error:
        print(f"devstack: {error}", file=sys.stderr)
        return 1
    finally:
        print("devstack: stopping...", flush=True)
        stack.stop()
    return 0


def schema() -> int:
    schema_export.export_all()
    result = schema_export.compose()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


def schema_check(schema_dir: Path, base_ref: str | None) -> int:
    problems, notes = schema_gate.run_check(schema_dir, base_ref)
    for note in notes:
        print(f"schema-check: note: {note}")
    for problem in problems:
        print(f"schema-check: {problem}", file=sys.stderr)
    if problems:
        print(f"schema-check: FAILED ({len(problems)} problem(s))", file=sys.stderr)
        return 1
    print("schema-check: ok")
    return 0


def schema_diff(old: Path, new: Path) -> int:
    changes = schema_gate.classify(
        schema_gate.load_schema(old.read_text()), schema_gate.load_schema(new.read_text())
    )
    order = {"breaking": 0, "dangerous": 1, "safe": 2}
    for change in sorted(changes, key=lambda c: (order[c.severity], c.description)):
        print(change)
    counts = {severity: sum(c.severity == severity for c in changes) for severity in order}
    print(f"{counts['breaking']} breaking, {counts['dangerous']} dangerous, {counts['safe']} safe")
    return 1 if counts["breaking"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start DynamoDB Local, the subgraphs and the router with demo data")
    sub.add_parser("schema", help="export subgraph SDL, compose the supergraph, build the trusted documents")
    check = sub.add_parser("schema-check", help="fail on drift, invalid operations or breaking changes")
    check.add_argument("--schema-dir", type=Path, default=toolchain.SCHEMA_DIR)
    check.add_argument("--base", default=None, help="git ref to check breaking changes against")
    diff = sub.add_parser("schema-diff", help="classify the changes between two schemas")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "up":
        return up()
    if args.command == "schema-check":
        return schema_check(args.schema_dir, args.base or None)
    if args.command == "schema-diff":
        return schema_diff(args.old, args.new)
    return schema()


if __name__ == "__main__":
    sys.exit(main())
