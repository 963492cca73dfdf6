"""CodePipeline: present only when the context names a repository connection; its build runs CI's
make targets; dev, an approval, prod, each stage checked through its public URL; cdk-nag clean."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack, load
from infra.config import ConfigError, pipeline_config
from infra.stacks.pipeline import IMAGE_COMMANDS, SYNTH_COMMANDS

from infra.app import PIPELINE_STACK, build_app

from .conftest import synth_context

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/0a1b2c3d-aaaa-bbbb-cccc-000011112222"
SOURCE = {
    "pipelineConnectionArn": CONNECTION,
    "pipelineRepository": "example/portfolio-supergraph",
    "pipelineBranch": "main",
}


@pytest.fixture(scope="module")
def with_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out.pipeline")
    build_app({**synth_context(), **SOURCE}, outdir=str(outdir)).synth()
    return outdir


@pytest.fixture(scope="module")
def pipeline_stacks(with_pipeline: Path) -> dict[str, SynthesizedStack]:
    return load(with_pipeline)


@pytest.fixture(scope="module")
def pipeline(pipeline_stacks: dict[str, SynthesizedStack]) -> Template:
    return Template.from_json(pipeline_stacks[PIPELINE_STACK].template)


def _stages(pipeline: Template) -> list[dict[str, Any]]:
    (resource,) = pipeline.find_resources("AWS::CodePipeline::Pipeline").values()
    stages: list[dict[str, Any]] = resource["Properties"]["Stages"]
    return stages


def _build_spec(pipeline: Template, action_name: str) -> dict[str, Any]:
    """The buildspec of the CodeBuild project behind the pipeline action `action_name`."""
    (action,) = [a for stage in _stages(pipeline) for a in stage["Actions"] if a["Name"] == action_name]
    project_id = action["Configuration"]["ProjectName"]["Ref"]
    project = pipeline.find_resources("AWS::CodeBuild::Project")[project_id]
    spec: dict[str, Any] = json.loads(project["Properties"]["Source"]["BuildSpec"])
    return spec


def _ci_make_commands() -> list[str]:
    """Every `make ...` and `bash .ci/run` line the CI workflow's jobs run."""
    workflow = yaml.safe_load((REPOSITORY_ROOT / ".github/workflows/ci.yml").read_text())
    lines = [
        line.strip()
        for job in workflow["jobs"].values()
        for step in job["steps"]
        for line in str(step.get("run", "")).splitlines()
    ]
    return [line for line in lines if line.startswith(("make ", "bash .ci/run"))]


def test_no_connection_in_the_context_means_no_pipeline(stacks: dict[str, SynthesizedStack]) -> None:
    assert PIPELINE_STACK not in stacks
    assert not any("CodePipeline" in json.dumps(stack.template) for stack in stacks.values())


def test_the_environments_are_the_same_with_or_without_the_pipeline(
    stacks: dict[str, SynthesizedStack], pipeline_stacks: dict[str, SynthesizedStack]
) -> None:
    assert set(pipeline_stacks) == set(stacks) | {PIPELINE_STACK}
    for name, stack in stacks.items():
        assert pipeline_stacks[name].template == stack.template, name


def test_the_source_is_the_configured_connection_with_a_full_clone(pipeline: Template) -> None:
    (source,) = _stages(pipeline)[0]["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"] == {
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": "example/portfolio-supergraph",
        "BranchName": "main",
        "OutputArtifactFormat": "CODEBUILD_CLONE_REF",
    }


def test_the_build_runs_the_make_targets_ci_runs(pipeline: Template) -> None:
    spec = _build_spec(pipeline, "Build")
    commands = spec["phases"]["build"]["commands"]
    assert commands == list(SYNTH_COMMANDS)
    targets = [re.sub(r" [A-Z_]+=.*", "", command) for command in commands]
    assert targets == [re.sub(r" [A-Z_]+=.*", "", command) for command in _ci_make_commands()]
    assert targets == ["make lint", "bash .ci/run", "make schema-check", "make synth"]
    assert spec["artifacts"]["base-directory"] == "infra/cdk.out"
    assert any("sys.version_info >= (3, 11)" in c for c in spec["phases"]["install"]["commands"])


def test_the_build_and_the_images_are_tagged_with_the_commit(pipeline: Template) -> None:
    actions = {a["Name"]: a for stage in _stages(pipeline) for a in stage["Actions"]}
    for name in ("Build", "Images"):
        variables = json.loads(actions[name]["Configuration"]["EnvironmentVariables"])
        (tag,) = [v for v in variables if v["name"] == "IMAGE_TAG"]
        assert re.fullmatch(r"#\{Source@[\w-]+\.CommitId\}", tag["value"]), (name, tag)
    assert (
        'make synth IMAGE_TAG="$IMAGE_TAG"' in _build_spec(pipeline, "Build")["phases"]["build"]["commands"]
    )


def test_the_images_step_pushes_what_the_deploy_workflow_pushes(pipeline: Template) -> None:
    workflow = yaml.safe_load((REPOSITORY_ROOT / ".github/workflows/deploy.yml").read_text())
    (push,) = [
        s for s in workflow["jobs"]["deploy"]["steps"] if s.get("name", "").startswith("Build and push")
    ]
    assert "\n".join(IMAGE_COMMANDS).strip() == push["run"].strip()
    commands = _build_spec(pipeline, "Images")["phases"]["build"]["commands"]
    assert commands[1:] == list(IMAGE_COMMANDS)
    assert "docker login" in commands[0]
    pipeline.has_resource_properties(
        "AWS::CodeBuild::Project",
        {"Environment": Match.object_like({"PrivilegedMode": True})},
    )


def test_stages_run_dev_then_an_approval_then_prod_each_smoke_checked(pipeline: Template) -> None:
    stages = _stages(pipeline)
    assert [stage["Name"] for stage in stages] == [
        "Source",
        "Build",
        "UpdatePipeline",
        "Assets",
        "dev",
        "prod",
    ]
    dev, prod = stages[-2:]

    def ordered(stage: dict[str, Any]) -> list[tuple[int, str]]:
        return sorted((a["RunOrder"], a["Name"]) for a in stage["Actions"])

    dev_actions, prod_actions = ordered(dev), ordered(prod)
    assert dev_actions[0][1] == "Images" and dev_actions[-1][1] == "Smoke-dev"
    assert prod_actions[0][1] == "PromoteToProd" and prod_actions[-1][1] == "Smoke-prod"
    (approval,) = [a for a in prod["Actions"] if a["Name"] == "PromoteToProd"]
    assert approval["ActionTypeId"] == {
        "Category": "Approval",
        "Owner": "AWS",
        "Provider": "Manual",
        "Version": "1",
    }
    for stage, env in ((dev, "dev"), (prod, "prod")):
        deployed = {a["Name"].split(".")[0] for a in stage["Actions"] if a["Name"].endswith(".Deploy")}
        assert deployed == {
            f"portfolio-{env}-{concern}"
            for concern in (
                "network",
                "data",
                "messaging",
                "configuration",
                "cache",
                "identity",
                "services",
                "observability",
            )
        }


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_smoke_step_calls_the_stage_public_url(pipeline: Template, env: str) -> None:
    assert _build_spec(pipeline, f"Smoke-{env}")["phases"]["build"]["commands"] == [
        'python3 infra/scripts/smoke.py "$PUBLIC_GRAPHQL_URL"'
    ]
    (smoke,) = [
        a for a in _stages(pipeline)[-1 if env == "prod" else -2]["Actions"] if a["Name"] == f"Smoke-{env}"
    ]
    variables = json.loads(smoke["Configuration"]["EnvironmentVariables"])
    (url,) = [v for v in variables if v["name"] == "PUBLIC_GRAPHQL_URL"]
    assert url["value"].endswith(".GraphqlUrl}")  # the services stack's output, read after its deploy


def test_the_pipeline_stack_is_nag_clean_with_reasons(with_pipeline: Path) -> None:
    report = json.loads((with_pipeline / "validation-report.json").read_text())
    (solutions,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert solutions["conclusion"] == "success" and solutions["violations"] == []
    on_pipeline = [
        finding
        for finding in solutions["suppressedViolations"]
        if any(c["constructPath"].startswith(f"{PIPELINE_STACK}/") for c in finding["violatingConstructs"])
    ]
    assert {f["ruleName"].split("[")[0] for f in on_pipeline} == {"AwsSolutions-S1", "AwsSolutions-IAM5"}
    assert all(len(f["reason"].split()) >= 8 for f in on_pipeline)


@pytest.mark.parametrize(
    "context",
    [
        {"pipelineConnectionArn": CONNECTION},
        {**SOURCE, "pipelineConnectionArn": "arn:aws:iam::111111111111:role/x"},
        {**SOURCE, "pipelineRepository": "no-owner"},
    ],
)
def test_a_partial_or_malformed_source_is_refused(context: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        pipeline_config(context)


def test_a_pipeline_with_every_stage_in_its_own_account_synthesizes(tmp_path: Path) -> None:
    # cdk.json as committed: no account named anywhere, so one account for everything.
    context = {**synth_context(), "prod.account": "", **SOURCE}
    stacks = load(Path(build_app(context, outdir=str(tmp_path)).synth().directory))
    pipeline = Template.from_json(stacks[PIPELINE_STACK].template)
    pipeline.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_empty_keys_are_no_pipeline() -> None:
    assert pipeline_config({key: "" for key in SOURCE}) is None
    assert pipeline_config(SOURCE) is not None
