"""The CDK app: the shared ECR registry, then one Stage per environment (dev, prod), each with its
stacks split by concern. Run by `cdk` through infra/app.py; tests call `build_app` directly.

    cdk synth -c imageTag=<sha>                       every stack of every environment
    cdk deploy -c imageTag=<sha> portfolio-registry 'dev/*'

With `pipelineConnectionArn`, `pipelineRepository` and `pipelineBranch` in the context (cdk.json, so
that the pipeline's own synth sees them too), the app also has the `portfolio-pipeline` stack, which
delivers the same dev and prod stages (infra/src/infra/stacks/pipeline.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Stage, Tags
from constructs import Construct

from infra import nag
from infra.config import EnvironmentConfig, deploying_account, environments, pipeline_config
from infra.stacks.cache import CacheStack
from infra.stacks.configuration import ConfigurationStack
from infra.stacks.data import DataStack
from infra.stacks.identity import IdentityStack
from infra.stacks.messaging import MessagingStack
from infra.stacks.network import NetworkStack
from infra.stacks.observability import ObservabilityStack
from infra.stacks.pipeline import PipelineStack
from infra.stacks.registry import RegistryStack
from infra.stacks.services import Dependencies, ServicesStack

INFRA_DIR = Path(__file__).resolve().parents[2]
REGISTRY_STACK = "portfolio-registry"
PIPELINE_STACK = "portfolio-pipeline"
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # a Docker tag


class MissingImageTag(ValueError):
    pass


class PortfolioEnvironment(Stage):
    """Every stack of one environment; `cdk deploy '<env>/*'` deploys them in dependency order."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, image_tag: str) -> None:
        env = Environment(account=config.resolved_account(), region=config.region)
        super().__init__(scope, config.name, env=env)
        self.config = config

        def name(concern: str) -> dict[str, Any]:
            return {
                "stack_name": f"{config.prefix}-{concern}",
                "description": f"portfolio {config.name}: {concern}",
            }

        self.network = NetworkStack(self, "network", config=config, **name("network"))
        self.data = DataStack(self, "data", config=config, **name("data"))
        self.messaging = MessagingStack(
            self, "messaging", config=config, tables=self.data.tables, **name("messaging")
        )
        self.configuration = ConfigurationStack(self, "configuration", config=config, **name("configuration"))
        self.cache = CacheStack(self, "cache", config=config, vpc=self.network.vpc, **name("cache"))
        self.identity = IdentityStack(self, "identity", config=config, **name("identity"))
        self.services = ServicesStack(
            self,
            "services",
            config=config,
            vpc=self.network.vpc,
            deps=Dependencies(
                data=self.data,
                messaging=self.messaging,
                cache=self.cache,
                configuration=self.configuration,
                identity=self.identity,
            ),
            image_tag=image_tag,
            **name("services"),
        )
        # The services name their tables (and ARNs) without a cross-stack reference: order it here.
        self.services.add_stack_dependency(self.data)
        self.observability = ObservabilityStack(
            self,
            "observability",
            config=config,
            data=self.data,
            messaging=self.messaging,
            services=self.services,
            **name("observability"),
        )
        Tags.of(self).add("project", "portfolio-supergraph")
        Tags.of(self).add("environment", config.name)
        for key, value in config.tags.items():
            Tags.of(self).add(key, value)


def cdk_json_context() -> dict[str, Any]:
    """The context of infra/cdk.json (feature flags, environments), for apps built outside the CLI."""
    context: dict[str, Any] = json.loads((INFRA_DIR / "cdk.json").read_text())["context"]
    return context


def image_tag_from(app: App) -> str:
    tag = app.node.try_get_context("imageTag")
    if not tag:
        raise MissingImageTag("pass the image tag to deploy: cdk <command> -c imageTag=<git sha>")
    if not IMAGE_TAG.fullmatch(str(tag)):
        raise MissingImageTag(f"imageTag {tag!r} is not a valid image tag")
    return str(tag)


def build_app(context: dict[str, Any] | None = None, *, outdir: str | None = None) -> App:
    """The whole app. Without `context` the CLI's context applies (cdk.json plus `-c` values)."""
    app = App(context=context, outdir=outdir) if context is not None else App(outdir=outdir)
    image_tag = image_tag_from(app)
    configs = environments(app.node.get_all_context())
    # One registry per account, in the account `cdk` deploys with: where `make deploy` pushes images.
    home = Environment(account=deploying_account(), region=next(iter(configs.values())).region)
    RegistryStack(
        app,
        REGISTRY_STACK,
        env=home,
        description="portfolio: ECR repositories shared by the environments of this account",
    )
    stages = [PortfolioEnvironment(app, config, image_tag=image_tag) for config in configs.values()]
    source = pipeline_config(app.node.get_all_context())
    if source is not None:  # no connection configured: GitHub Actions is the only delivery
        PipelineStack(
            app,
            PIPELINE_STACK,
            source=source,
            stages=stages,
            env=home,
            description="portfolio: CodePipeline delivering dev, then (approved) prod",
        )
    nag.apply(app)
    return app


def main() -> None:
    build_app().synth()
