"""CodePipeline (CDK Pipelines): a second way to deliver, next to GitHub Actions (deploy.yml).

Created only when the context names a repository connection (config.pipeline_config). The pipeline:

    Source  the repository's branch through a CodeConnections connection (a full git clone: the
            schema gate compares with the previous commit)
    Build   the same `make` targets as CI (.github/workflows/ci.yml): lint, the tests (.ci/run),
            the schema gate, synth; its output is infra/cdk.out, the app this module is part of
    (self-mutation: the pipeline updates itself from that output first)
    dev     the images pushed, tagged with the commit (deploy.yml's commands), then dev's stacks,
            then a smoke check through dev's public URL
    prod    a manual approval, prod's stacks, a smoke check through prod's public URL

The stages are the app's own `PortfolioEnvironment` stages (`dev`, `prod`), the ones `make deploy`
deploys: the same stack names whichever way a change is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack, Stage, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import nag
from infra.config import SERVICES, PipelineConfig
from infra.stacks.registry import repository_name

# The pipeline's tag for the images and `-c imageTag`: the commit it is delivering.
IMAGE_TAG_VARIABLE = "IMAGE_TAG"
# What CI runs (.github/workflows/ci.yml, one job each), in one CodeBuild action. `.ci/run` installs
# the system packages the tests need, then runs `make test`. The schema gate compares with the
# previous commit, as CI does on a push.
SYNTH_COMMANDS = (
    "make lint",
    "bash .ci/run",
    'make schema-check SCHEMA_BASE="HEAD~1"',
    f'make synth IMAGE_TAG="${IMAGE_TAG_VARIABLE}"',
)
# deploy.yml's "Build and push the images" step, word for word: one image per subgraph of
# topology.toml from subgraphs/Dockerfile, then the router's.
IMAGE_COMMANDS = (
    "python3 tools/devstack/src/devstack/topology.py | while read -r service port _; do\n"
    '  docker build -f subgraphs/Dockerfile --build-arg SERVICE="$service" --build-arg PORT="$port" \\\n'
    '    -t "$REGISTRY/portfolio-$service:$IMAGE_TAG" .\n'
    '  docker push "$REGISTRY/portfolio-$service:$IMAGE_TAG"\n'
    "done",
    'docker build -f router/Dockerfile -t "$REGISTRY/portfolio-router:$IMAGE_TAG" .',
    'docker push "$REGISTRY/portfolio-router:$IMAGE_TAG"',
)
# The post-deploy check's URL: the services stack's output of the public GraphQL endpoint.
PUBLIC_URL_OUTPUT = "GraphqlUrl"
SMOKE_URL_VARIABLE = "PUBLIC_GRAPHQL_URL"
# Ubuntu 22.04 with Python 3.11+, Docker and the AWS CLI; the Makefile installs uv and Node itself.
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
PYTHON_CHECK = "python3 -c 'import sys; assert sys.version_info >= (3, 11), sys.version'"


def public_url_output(stage: Stage) -> CfnOutput:
    """The stage's public GraphQL URL output, found in its services stack by id."""
    services = getattr(stage, "services", None)
    output = services.node.try_find_child(PUBLIC_URL_OUTPUT) if services is not None else None
    if not isinstance(output, CfnOutput):
        raise LookupError(f"{stage.stage_name}: no {PUBLIC_URL_OUTPUT} output in its services stack")
    return output


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source: PipelineConfig,
        stages: Sequence[Stage],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        dev, prod = stages
        self.source = pipelines.CodePipelineSource.connection(
            source.repository,
            source.branch,
            connection_arn=source.connection_arn,
            code_build_clone_output=True,  # a git clone, history included, for the schema gate
        )
        commit = {IMAGE_TAG_VARIABLE: self.source.source_attribute("CommitId")}
        self.synth = pipelines.CodeBuildStep(
            "Build",
            input=self.source,
            install_commands=[PYTHON_CHECK],
            commands=list(SYNTH_COMMANDS),
            env=commit,
            primary_output_directory="infra/cdk.out",
            build_environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.LARGE
            ),
            timeout=Duration.minutes(90),  # CI's jobs run side by side; here one after the other
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=construct_id,
            synth=self.synth,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE)
            ),
            # Artifacts encrypted with the pipeline's own rotated KMS key, which a stage in another
            # account (prod's own) may read; in one account it still keeps the build's output to
            # this pipeline (cdk-nag CB4).
            cross_account_keys=True,
            enable_key_rotation=True,
        )
        self.images = pipelines.CodeBuildStep(
            "Images",
            input=self.source,
            install_commands=[PYTHON_CHECK],
            commands=[
                'aws ecr get-login-password --region "$AWS_REGION"'
                ' | docker login --username AWS --password-stdin "$REGISTRY"',
                *IMAGE_COMMANDS,
            ],
            env={**commit, "REGISTRY": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"},
            build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE, privileged=True),
            role_policy_statements=_push_to_registry(self),
        )
        self.approval = pipelines.ManualApprovalStep(
            "PromoteToProd", comment="dev is deployed and its smoke check passed: deploy this commit to prod?"
        )
        self.dev = self.pipeline.add_stage(dev, pre=[self.images], post=[self._smoke(dev)])
        self.prod = self.pipeline.add_stage(prod, pre=[self.approval], post=[self._smoke(prod)])
        self.pipeline.build_pipeline()
        _acknowledge_what_cdk_pipelines_creates(self.pipeline)

    def _smoke(self, stage: Stage) -> pipelines.ShellStep:
        return pipelines.ShellStep(
            f"Smoke-{stage.stage_name}",
            input=self.source,
            install_commands=[PYTHON_CHECK],
            commands=[f'python3 infra/scripts/smoke.py "${SMOKE_URL_VARIABLE}"'],
            env_from_cfn_outputs={SMOKE_URL_VARIABLE: public_url_output(stage)},
        )


def _push_to_registry(stack: Stack) -> list[iam.PolicyStatement]:
    """Push to the registry stack's repositories (by name: it is deployed before the pipeline)."""
    return [
        iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
        iam.PolicyStatement(
            actions=[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            resources=[
                stack.format_arn(service="ecr", resource="repository", resource_name=repository_name(service))
                for service in SERVICES
            ],
        ),
    ]


def _acknowledge_what_cdk_pipelines_creates(pipeline: pipelines.CodePipeline) -> None:
    """CDK Pipelines builds these roles and the artifact bucket itself; its grants are its own."""
    nag.acknowledge(
        pipeline.pipeline.artifact_bucket,
        "S1",
        "The pipeline's artifact bucket holds build outputs only, KMS-encrypted and private; "
        "CloudTrail and the pipeline's own history record who started what.",
    )
    for policy in pipeline.node.find_all():
        if isinstance(policy, iam.CfnPolicy):
            findings = _wildcard_findings(Stack.of(policy).resolve(policy.policy_document))
            if findings:
                nag.acknowledge(policy, "IAM5", _GENERATED_GRANTS, *findings)


_GENERATED_GRANTS = (
    "CDK Pipelines' generated roles: s3:GetObject* and kms:GenerateDataKey* style grants on the "
    "pipeline's own artifact bucket and key, CodeBuild log and report groups named after each "
    "project, self-mutation and cdk-assets assuming the account's bootstrap roles, and "
    "ecr:GetAuthorizationToken, which names no resource."
)


def _wildcard_findings(document: dict[str, Any]) -> list[str]:
    """cdk-nag's IAM5 finding ids ("Action::s3:List*", "Resource::<Bucket.Arn>/*") of a policy."""
    findings: list[str] = []
    for statement in document.get("Statement", []):
        for key, kind in (("Action", "Action"), ("Resource", "Resource")):
            values = statement.get(key, [])
            for value in values if isinstance(values, list) else [values]:
                text = _as_nag_text(value)
                if "*" in text and f"{kind}::{text}" not in findings:
                    findings.append(f"{kind}::{text}")
    return findings


def _as_nag_text(value: Any) -> str:
    """A resolved policy value written as cdk-nag writes it: references as <LogicalId.Attribute>."""
    if isinstance(value, str):
        return value
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_as_nag_text(part) for part in parts)
    return str(value)
