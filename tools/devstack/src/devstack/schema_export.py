"""`devstack schema`: export each subgraph's SDL from code and compose the supergraph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devstack import toolchain, trusted_documents
from devstack.topology import SUBGRAPH_NAMES


def export_sdl(name: str) -> str:
    """The SDL exactly as `strawberry export-schema` prints it."""
    strawberry = Path(sys.executable).parent / "strawberry"
    result = subprocess.run(  # noqa: S603 - fixed command
        [str(strawberry), "export-schema", f"{name}.schema:schema"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.rstrip("\n") + "\n"


def export_all(schema_dir: Path = toolchain.SCHEMA_DIR) -> None:
    """Subgraph SDLs from code, and the trusted documents manifest from the kept operations."""
    for name in SUBGRAPH_NAMES:
        (schema_dir / f"{name}.graphql").write_text(export_sdl(name))
    manifest = trusted_documents.build_manifest(schema_dir / "operations")
    (schema_dir / trusted_documents.MANIFEST_NAME).write_text(trusted_documents.render(manifest))


def compose(
    schema_dir: Path = toolchain.SCHEMA_DIR, *, check: bool = False
) -> subprocess.CompletedProcess[str]:
    args = [
        str(toolchain.node_executable()),
        str(toolchain.ROUTER_DIR / "scripts" / "compose.mjs"),
        "--schema-dir",
        str(schema_dir.resolve()),
    ]
    if check:
        args.append("--check")
    return subprocess.run(args, capture_output=True, text=True, cwd=toolchain.ROUTER_DIR, check=False)  # noqa: S603
