"""The synthesized event path read back as data, for the tests (infra/tests and the AWS-flow contract
tests in tests/contract): each table's Pipe (its filter, the bus source and detail-type, its
InputTemplate) and each route's rule (its event pattern, the consumer queue it targets and that
queue's redrive policy), plus `render_input_template`, which fills an InputTemplate in from a stream
record the way EventBridge Pipes does.

What the rendering assumes of AWS (it cannot run here; the contract tests state it again):
- a quoted placeholder `"<$.path>"` becomes the value as a JSON string, quotes, backslashes and
  control characters escaped (the Pipes guide: quote the placeholders of string values);
- an unquoted placeholder `<$.path>` becomes the value's text as it stands, so the N attribute "3"
  of a stream image renders as the JSON number 3;
- a path the record does not have (an event item written without a trace has no `traceparent`)
  renders as `missing_as`, by default an empty string, though AWS may render null or drop the key:
  consumers take all three as "no trace" (kit.aws.consumer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.assembly import SynthesizedStack

PIPE_NAME = re.compile(r"portfolio-(dev|prod)-(\w+)-outbox")
CONSUMER_QUEUE_NAME = re.compile(r"portfolio-(dev|prod)-(\w+)-events")
# A placeholder of an InputTemplate, quoted (a string value) or bare (a number, object or array).
PLACEHOLDER = re.compile(r'"<(\$\.[\w.-]+)>"|<(\$\.[\w.-]+)>')


class MissingPath(KeyError):
    """The record has nothing at a JSON path."""


@dataclass(frozen=True)
class SynthesizedPipe:
    subgraph: str
    properties: dict[str, Any]

    @property
    def filter_patterns(self) -> list[dict[str, Any]]:
        filters = self.properties["SourceParameters"]["FilterCriteria"]["Filters"]
        return [json.loads(f["Pattern"]) for f in filters]

    @property
    def bus_parameters(self) -> dict[str, str]:
        parameters: dict[str, str] = self.properties["TargetParameters"]["EventBridgeEventBusParameters"]
        return parameters

    @property
    def input_template(self) -> str:
        return str(self.properties["TargetParameters"]["InputTemplate"])

    def event_entry(self, record: Mapping[str, Any], *, missing_as: Any = "") -> dict[str, str]:
        """The PutEvents entry this Pipe makes of a stream record it passed: Source and DetailType as
        its target parameters say (a `$.` value is a path into the record), Detail its template."""
        parameters = self.bus_parameters
        return {
            "Source": _value_or_path(parameters["Source"], record),
            "DetailType": _value_or_path(parameters["DetailType"], record),
            "Detail": render_input_template(self.input_template, record, missing_as=missing_as),
        }


@dataclass(frozen=True)
class SynthesizedRule:
    source: str  # the producing subgraph (from the pattern's bus source)
    consumer: str  # the subgraph whose queue the rule targets
    properties: dict[str, Any]
    queue: dict[str, Any]  # the target queue's properties
    dead_letter_queue: dict[str, Any]

    @property
    def event_pattern(self) -> dict[str, Any]:
        pattern: dict[str, Any] = self.properties["EventPattern"]
        return pattern

    @property
    def max_receive_count(self) -> int:
        return int(self.queue["RedrivePolicy"]["maxReceiveCount"])


def pipes_of(stack: SynthesizedStack) -> dict[str, SynthesizedPipe]:
    """The Pipes of a messaging stack by the subgraph whose table each reads (its name
    portfolio-<env>-<subgraph>-outbox)."""
    found = {}
    for properties in stack.properties("AWS::Pipes::Pipe"):
        match = PIPE_NAME.fullmatch(properties["Name"])
        if match is None:
            raise ValueError(f"a Pipe named {properties['Name']!r} follows no naming of ours")
        found[match.group(2)] = SynthesizedPipe(match.group(2), properties)
    return found


def rules_of(stack: SynthesizedStack) -> dict[tuple[str, str], SynthesizedRule]:
    """The rules of a messaging stack by (source, consumer): the subgraph whose events each selects
    and the one whose queue it targets."""
    resources = stack.template["Resources"]
    found = {}
    for properties in stack.properties("AWS::Events::Rule"):
        (target,) = properties["Targets"]
        queue = resources[target["Arn"]["Fn::GetAtt"][0]]["Properties"]
        match = CONSUMER_QUEUE_NAME.fullmatch(queue["QueueName"])
        if match is None:
            raise ValueError(f"a rule targets {queue['QueueName']!r}, no consumer queue of ours")
        dead_letters = resources[queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"]
        (bus_source,) = properties["EventPattern"]["source"]
        source = str(bus_source).removeprefix("portfolio.")
        found[(source, match.group(2))] = SynthesizedRule(
            source, match.group(2), properties, queue, dead_letters
        )
    return found


def json_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted `$.a.b` path (the subset of JSON path the templates use)."""
    value: Any = record
    for key in path.removeprefix("$.").split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise MissingPath(path)
        value = value[key]
    return value


def placeholder_paths(template: str) -> set[str]:
    return {quoted or bare for quoted, bare in PLACEHOLDER.findall(template)}


def render_input_template(template: str, record: Mapping[str, Any], *, missing_as: Any = "") -> str:
    """The InputTemplate as Pipes fills it in from `record` (see the module's assumptions)."""

    def fill(match: re.Match[str]) -> str:
        quoted, bare = match.groups()
        try:
            value = json_path(record, quoted or bare)
        except MissingPath:
            return json.dumps(missing_as)
        if quoted:
            return json.dumps(value if isinstance(value, str) else json.dumps(value))
        return value if isinstance(value, str) else json.dumps(value)

    return PLACEHOLDER.sub(fill, template)


def _value_or_path(value: str, record: Mapping[str, Any]) -> str:
    return str(json_path(record, value)) if value.startswith("$.") else value
