"""`devstack`: the local launcher. `devstack up` runs the whole system with demo data."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from devstack import schema_export, schema_gate, toolchain
from devstack.config import StackConfig
from devstack.dev_issuer import DevIssuer
from devstack.stack import GRAPHIQL_TOKEN_TTL_SECONDS, Stack, StackError, StackInterrupted
from devstack.topology import SUBGRAPH_NAMES


def _banner(stack: Stack) -> str:
    config = stack.config
    customer = stack.demo.customer_id if stack.demo else "<customer id>"
    query = (
        '{ customer(id: \\"'
        + customer
        + '\\") { name portfolios { name valuation { marketValue { amount currencyCode } } } } }'
    )
    subgraphs = "\n".join(
        f"  {'Subgraphs:' if index == 0 else '':<32}{name} {config.url(name, '/graphql')}"
        for index, name in enumerate(SUBGRAPH_NAMES)
    )
    expires = time.strftime("%H:%M", time.localtime(time.time() + GRAPHIQL_TOKEN_TTL_SECONDS))
    return f"""
  Portfolio supergraph is up ({stack.startup_seconds:.1f}s).

  GraphiQL (Dashboard preloaded): {config.router_graphql_url}
                                  (signed in as an operator until {expires}: see its Headers tab)
  Router health:                  {config.url("router", "/healthcheck")}  {config.url("router", "/readiness")}
{subgraphs}
  DynamoDB Local:                 {config.dynamodb_url}  (data in {config.data_dir})
  Local SQS (moto), event queues: {config.sqs_url}  (the relay carries the tables' events there)
  Demo customer id:               {customer}
  Token issuer (dev keys in {config.data_dir}/auth): {config.issuer_url}

  Every request needs a token. Try it as the demo customer:
    TOKEN=$(make -s token ARGS="--customer {customer}" | tail -n 1)
    curl -s {config.router_graphql_url} -H 'content-type: application/json' \\
      -H "authorization: Bearer $TOKEN" -d '{{"query": "{query}"}}'
  Other roles: make token ARGS=--operator, make token ARGS=--admin (add --ttl SECONDS).

  Ctrl-C stops everything.
"""


def up() -> int:
    config = StackConfig.from_env(data_dir=toolchain.DATA_DIR)
    stopping = threading.Event()
    stack = Stack(config)

    def on_signal(signum: int, _: FrameType | None) -> None:
        stopping.set()
        stack.stop_requested()  # a start-up under way gives up at its next wait

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = 0
    try:
        stack.start()
        print(_banner(stack), flush=True)
        while not stopping.wait(0.5):
            stack.check_alive()  # raises once the supervisor gave up on a child
    except StackInterrupted:
        pass  # Ctrl-C during the start-up
    except StackError as error:
        # Expected failures are one message; each child's own log is already on screen.
        print(f"devstack: {error}", file=sys.stderr, flush=True)
        code = 1
    finally:
        # A second Ctrl-C must not cut the stop short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("devstack: stopping...", flush=True)
        stack.stop()
        print("devstack: stopped", flush=True)
    return code


def _dev_issuer() -> DevIssuer:
    """The issuer `make dev` runs: same data directory and port (ISSUER_PORT), so its tokens verify."""
    return DevIssuer.in_data_dir(toolchain.DATA_DIR, StackConfig.from_env(toolchain.DATA_DIR).issuer_url)


def token(args: argparse.Namespace) -> int:
    issuer = _dev_issuer()
    if args.customer is not None:
        minted, who = issuer.customer(args.customer, args.ttl), f"customer {args.customer}"
    elif args.operator:
        minted, who = issuer.operator(args.ttl), "an operator"
    else:
        minted, who = issuer.admin(args.ttl), "an admin"
    # The explanation goes to stderr; stdout's last line is the token alone, for $(...).
    print(f"# bearer token for {who}, valid {args.ttl} s, issuer {issuer.issuer}", file=sys.stderr)
    print(minted)
    return 0


def rotate_keys() -> int:
    kid = _dev_issuer().keys.rotate()
    print(f"devstack: new signing key {kid}; the previous key stays published until the next rotation")
    return 0


def _ttl(value: str) -> int:
    seconds = int(value)
    if not 0 < seconds <= 30 * 24 * 3600:
        raise argparse.ArgumentTypeError("--ttl must be between 1 second and 30 days")
    return seconds


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
    sub.add_parser(
        "up",
        help="start DynamoDB Local, the local SQS, the subgraphs, the event relay and the router (demo data)",
    )
    mint = sub.add_parser("token", help="print a dev bearer token (its last line is the token alone)")
    role = mint.add_mutually_exclusive_group(required=True)
    role.add_argument("--admin", action="store_true", help="a token with the admin role")
    role.add_argument("--operator", action="store_true", help="a token with the operator role")
    role.add_argument("--customer", metavar="ID", help="a token for this customer id (its `sub`)")
    mint.add_argument("--ttl", type=_ttl, default=3600, metavar="SECONDS", help="lifetime (default 3600)")
    sub.add_parser("rotate-keys", help="add a new dev signing key (the previous one stays valid)")
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
    if args.command == "token":
        return token(args)
    if args.command == "rotate-keys":
        return rotate_keys()
    if args.command == "schema-check":
        return schema_check(args.schema_dir, args.base or None)
    if args.command == "schema-diff":
        return schema_diff(args.old, args.new)
    return schema()


if __name__ == "__main__":
    sys.exit(main())
