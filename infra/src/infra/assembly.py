"""Reading a synthesized cloud assembly (cdk.out): every stack's template by its display name
("portfolio-registry", "dev/network", "prod/services", ...). Used by the tests, which synthesize
the app once and then inspect the templates as plain JSON or through aws_cdk.assertions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SynthesizedStack:
    display_name: str
    stack_name: str
    template: dict[str, Any]

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id -> resource, for every resource of `resource_type`."""
        return {
            logical_id: resource
            for logical_id, resource in self.template.get("Resources", {}).items()
            if resource["Type"] == resource_type
        }

    def properties(self, resource_type: str) -> list[dict[str, Any]]:
        return [resource.get("Properties", {}) for resource in self.resources(resource_type).values()]


def load(outdir: Path) -> dict[str, SynthesizedStack]:
    stacks: dict[str, SynthesizedStack] = {}
    manifest = json.loads((outdir / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            stacks.update(load(outdir / properties["directoryName"]))
        elif artifact["type"] == "aws:cloudformation:stack":
            display_name = artifact.get("displayName", artifact_id)
            stacks[display_name] = SynthesizedStack(
                display_name=display_name,
                stack_name=properties.get("stackName", artifact_id),
                template=json.loads((outdir / properties["templateFile"]).read_text()),
            )
    return stacks
