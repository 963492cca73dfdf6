"""cdk-nag: the app synthesizes with AwsSolutionsChecks clean, every acknowledgment carries a
reason, and an unacknowledged finding stops synthesis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from infra.topology import ROUTES

from infra import nag


def _report(cloud_assembly: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((cloud_assembly / "validation-report.json").read_text())
    return report


def test_aws_solutions_checks_ran_and_found_nothing_unacknowledged(cloud_assembly: Path) -> None:
    reports = {plugin["pluginName"]: plugin for plugin in _report(cloud_assembly)["pluginReports"]}
    solutions = reports["AwsSolutions"]
    assert solutions["conclusion"] == "success"
    assert solutions["violations"] == []


def test_every_acknowledged_finding_has_a_reason(cloud_assembly: Path) -> None:
    reports = {plugin["pluginName"]: plugin for plugin in _report(cloud_assembly)["pluginReports"]}
    suppressed = reports["AwsSolutions"]["suppressedViolations"]
    assert suppressed, "the app acknowledges some findings (e.g. the probes without a token)"
    for finding in suppressed:
        assert len(finding["reason"].split()) >= 8, finding["ruleName"]
        assert finding["acknowledgedId"].startswith("AwsSolutions::")


def test_acknowledged_rules_are_the_reviewed_few(cloud_assembly: Path) -> None:
    """A new kind of acknowledgment is a decision: it shows up here and in review."""
    reports = {plugin["pluginName"]: plugin for plugin in _report(cloud_assembly)["pluginReports"]}
    rules = {finding["ruleName"] for finding in reports["AwsSolutions"]["suppressedViolations"]}
    assert rules == {
        "AwsSolutions-SMG4",  # third-party API keys cannot be rotated by Secrets Manager
        "AwsSolutions-ECS2",  # non-secret environment variables
        "AwsSolutions-IAM5[Resource::*]",  # X-Ray and ecr:GetAuthorizationToken only
        "AwsSolutions-APIG4",  # the router's probes (/healthcheck, /readiness) need no token
        "AwsSolutions-S1",  # the ALB access-log bucket itself
        "AwsSolutions-COG2",  # MFA optional (TOTP), by decision
        "AwsSolutions-COG8",  # the Essentials plan, not Plus (threatProtection off)
        "AwsSolutions-SQS3",  # the Pipes' dead-letter queues are the end of the line
    }


def test_a_queue_without_a_dead_letter_queue_is_acknowledged_only_where_it_is_a_pipes(
    cloud_assembly: Path,
) -> None:
    reports = {plugin["pluginName"]: plugin for plugin in _report(cloud_assembly)["pluginReports"]}
    paths = sorted(
        construct["constructPath"]
        for finding in reports["AwsSolutions"]["suppressedViolations"]
        if finding["ruleName"] == "AwsSolutions-SQS3"
        for construct in finding["violatingConstructs"]
    )
    assert paths == sorted(
        f"{env}/messaging/{producer}Pipe/DeadLetters/Resource"
        for env in ("dev", "prod")
        for producer in {route.source.capitalize() for route in ROUTES}
    )


def test_cognito_findings_are_acknowledged_only_on_the_user_pools(cloud_assembly: Path) -> None:
    reports = {plugin["pluginName"]: plugin for plugin in _report(cloud_assembly)["pluginReports"]}
    paths = sorted(
        construct["constructPath"]
        for finding in reports["AwsSolutions"]["suppressedViolations"]
        if finding["ruleName"].startswith("AwsSolutions-COG")
        for construct in finding["violatingConstructs"]
    )
    assert paths == sorted(
        f"{env}/identity/Users/Resource" for env in ("dev", "prod") for _rule in ("COG2", "COG8")
    )


def test_wildcard_resources_are_acknowledged_only_on_task_and_execution_roles(cloud_assembly: Path) -> None:
    reports = {plugin["pluginName"]: plugin for plugin in _report(cloud_assembly)["pluginReports"]}
    paths = [
        construct["constructPath"]
        for finding in reports["AwsSolutions"]["suppressedViolations"]
        if finding["ruleName"].startswith("AwsSolutions-IAM5")
        for construct in finding["violatingConstructs"]
    ]
    assert len(paths) == 16  # 2 environments x 4 services x (task role, execution role)
    assert all(
        path.endswith(("TaskRole/DefaultPolicy/Resource", "ExecutionRole/DefaultPolicy/Resource"))
        for path in paths
    )


def test_an_unacknowledged_finding_fails_synthesis(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe")
    sqs.Queue(stack, "NoDeadLetterQueue", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED)
    nag.apply(app)
    with pytest.raises(RuntimeError, match=r"(?s)ValidationFailed.*AwsSolutions-SQS3"):
        app.synth()
    report = _report(tmp_path)
    (solutions,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert [v["ruleName"] for v in solutions["violations"]] == ["AwsSolutions-SQS3"]


def test_the_same_finding_acknowledged_with_a_reason_passes(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe")
    queue = sqs.Queue(
        stack, "NoDeadLetterQueue", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED
    )
    nag.acknowledge(queue, "SQS3", "A probe queue in a test; nothing consumes it, so nothing can fail.")
    nag.apply(app)
    app.synth()
    (solutions,) = [p for p in _report(tmp_path)["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert solutions["violations"] == []
    assert [v["reason"] for v in solutions["suppressedViolations"]] == [
        "A probe queue in a test; nothing consumes it, so nothing can fail."
    ]


def test_an_acknowledgment_without_a_reason_is_refused() -> None:
    app = cdk.App()
    with pytest.raises(ValueError, match="needs a reason"):
        nag.acknowledge(cdk.Stack(app, "Probe"), "SQS3", "  ")
