"""`devstack`: the local launcher. `devstack up` runs the whole system with demo data."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from devstack import schema_export, toolchain
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


def schema(check: bool) -> int:
    if not check:
        schema_export.export_all()
    result = schema_export.compose(check=check)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start DynamoDB Local, the subgraphs and the router with demo data")
    schema_parser = sub.add_parser("schema", help="export subgraph SDL and compose the supergraph")
    schema_parser.add_argument("--check", action="store_true", help="compose and compare, write nothing")
    args = parser.parse_args(argv)
    if args.command == "up":
        return up()
    return schema(args.check)


if __name__ == "__main__":
    sys.exit(main())
