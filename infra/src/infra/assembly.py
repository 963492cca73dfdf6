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


# -- reading templates (the tests' vocabulary) -------------------------------------------------------
def only(stack: SynthesizedStack, resource_type: str) -> str:
    """Logical id of the one resource of `resource_type` in `stack`."""
    (logical_id,) = stack.resources(resource_type)
    return logical_id


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def services_of(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    """ECS service properties by service name."""
    return {p["ServiceName"]: p for p in stack.properties("AWS::ECS::Service")}


def task_definition(stack: SynthesizedStack, service: str) -> dict[str, Any]:
    logical_id = services_of(stack)[service]["TaskDefinition"]["Ref"]
    properties: dict[str, Any] = stack.template["Resources"][logical_id]["Properties"]
    return properties


def container(stack: SynthesizedStack, service: str, name: str = "app") -> dict[str, Any]:
    (found,) = [c for c in task_definition(stack, service)["ContainerDefinitions"] if c["Name"] == name]
    return found


def environment(stack: SynthesizedStack, service: str) -> dict[str, Any]:
    """The app container's plain environment variables."""
    return {item["Name"]: item["Value"] for item in container(stack, service).get("Environment", [])}


def secrets(stack: SynthesizedStack, service: str) -> dict[str, Any]:
    return {item["Name"]: item["ValueFrom"] for item in container(stack, service).get("Secrets", [])}


def group_ids(stack: SynthesizedStack, service: str) -> list[Any]:
    groups: list[Any] = services_of(stack)[service]["NetworkConfiguration"]["AwsvpcConfiguration"][
        "SecurityGroups"
    ]
    return groups


def local_group(stack: SynthesizedStack, service: str) -> str:
    """Logical id of the service's own security group (the one defined in this stack)."""
    (own,) = [ref["Fn::GetAtt"][0] for ref in group_ids(stack, service) if "Fn::GetAtt" in ref]
    return str(own)


def ingress_to(stack: SynthesizedStack, group: str) -> list[dict[str, Any]]:
    """Every ingress rule of a security group, inline or as separate resources."""
    rules = list(stack.template["Resources"][group]["Properties"].get("SecurityGroupIngress", []))
    rules += [
        rule
        for rule in stack.properties("AWS::EC2::SecurityGroupIngress")
        if rule["GroupId"] == {"Fn::GetAtt": [group, "GroupId"]}
    ]
    return rules


def role_policies(stack: SynthesizedStack, role_ref: dict[str, Any]) -> list[dict[str, Any]]:
    """Statements of every policy attached to the role that `role_ref` ({"Fn::GetAtt": [id, "Arn"]}) names."""
    role_id = role_ref["Fn::GetAtt"][0]
    statements = []
    for policy in stack.properties("AWS::IAM::Policy"):
        if {"Ref": role_id} in policy["Roles"]:
            statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def resolve(stacks: dict[str, SynthesizedStack], value: Any) -> tuple[Any, set[str]]:
    """`value` with each Fn::GetStackOutput replaced by that output's value in the stack producing it,
    and the names of the stacks it came from."""
    by_name = {stack.stack_name: stack for stack in stacks.values()}
    producers: set[str] = set()

    def walk(item: Any) -> Any:
        if isinstance(item, dict) and set(item) == {"Fn::GetStackOutput"}:
            output = item["Fn::GetStackOutput"]
            producers.add(output["StackName"])
            return walk(by_name[output["StackName"]].template["Outputs"][output["OutputName"]]["Value"])
        if isinstance(item, dict):
            return {key: walk(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value), producers


def render(expression: Any, names: dict[str, str]) -> str:
    """A CloudFormation string expression as text, each Ref written as `names[logical id]`."""
    if isinstance(expression, str):
        return expression
    if set(expression) == {"Ref"}:
        return names[expression["Ref"]]
    delimiter, parts = expression["Fn::Join"]
    return str(delimiter).join(render(part, names) for part in parts)
