"""One synthesized app for every infra test: jsii start-up and synthesis cost seconds, so the app is
built and synthesized once per session (with cdk-nag, exactly as `make synth` does) and the tests
read its templates."""

from __future__ import annotations

import importlib
import json
import sys

# pytest's importlib mode names this file `infra.tests.conftest` after its directories and registers
# the directory infra/ as a bare module `infra`, which would shadow the real package (infra/src/infra).
# Put the real package back before importing from it.
if getattr(sys.modules.get("infra"), "__file__", None) is None:
    sys.modules.pop("infra", None)
    importlib.import_module("infra")
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from aws_cdk.assertions import Template
from infra.assembly import SynthesizedStack, load

from infra.app import build_app, cdk_json_context

IMAGE_TAG = "0123456789abcdef0123456789abcdef01234567"
PROD_DOMAIN = "api.example.com"
PROD_CERTIFICATE = "arn:aws:acm:us-east-1:222222222222:certificate/3f1c2b7e-1111-2222-3333-444455556666"
PROD_ACCOUNT = "222222222222"
ALARM_EMAIL = "oncall@example.com"
# dev is given browser origins and a router limit; prod keeps the defaults (none of either).
DEV_CORS_ORIGINS = ("https://app.example.com", "http://localhost:5173")
DEV_ROUTER_LIMITS = {"ROUTER_MAX_BODY_BYTES": 65536, "ROUTER_MUTATION_RATE_LIMIT": 30}


@dataclass(frozen=True)
class Given:
    """What the session's app was synthesized with; tests compare the templates against it."""

    image_tag: str = IMAGE_TAG
    prod_certificate: str = PROD_CERTIFICATE
    prod_domain: str = PROD_DOMAIN
    prod_account: str = PROD_ACCOUNT
    alarm_email: str = ALARM_EMAIL
    dev_cors_origins: tuple[str, ...] = DEV_CORS_ORIGINS
    dev_router_limits: tuple[tuple[str, int], ...] = tuple(DEV_ROUTER_LIMITS.items())


def synth_context() -> dict[str, object]:
    """cdk.json's context (feature flags included) as the CLI would pass it, plus what an operator
    sets for prod: its own account, the API's custom domain with its certificate and an alarm
    address; for dev, the frontend's origins and a router limit, as `-c` strings."""
    context = cdk_json_context()
    context["imageTag"] = IMAGE_TAG
    context["prod.account"] = PROD_ACCOUNT
    context["prod.domainName"] = PROD_DOMAIN
    context["prod.certificateArn"] = PROD_CERTIFICATE
    context["prod.alarmEmail"] = ALARM_EMAIL
    context["dev.corsOrigins"] = ",".join(DEV_CORS_ORIGINS)
    context["dev.routerLimits"] = json.dumps(DEV_ROUTER_LIMITS)
    return context


@pytest.fixture(scope="session")
def given() -> Given:
    return Given()


@pytest.fixture(scope="session")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    build_app(synth_context(), outdir=str(outdir)).synth()
    return outdir


@pytest.fixture(scope="session")
def stacks(cloud_assembly: Path) -> dict[str, SynthesizedStack]:
    return load(cloud_assembly)


@pytest.fixture(scope="session")
def template(stacks: dict[str, SynthesizedStack]) -> Callable[[str], Template]:
    """aws_cdk.assertions Template of a stack by display name, e.g. template("dev/data")."""

    @cache
    def get(display_name: str) -> Template:
        return Template.from_json(stacks[display_name].template)

    return get


@pytest.fixture(scope="session")
def dev(stacks: dict[str, SynthesizedStack]) -> SynthesizedStack:
    """The dev services stack (the tasks, the router and its ALB)."""
    return stacks["dev/services"]


@pytest.fixture(scope="session")
def prod(stacks: dict[str, SynthesizedStack]) -> SynthesizedStack:
    """The prod services stack."""
    return stacks["prod/services"]


@pytest.fixture(scope="session")
def identity(stacks: dict[str, SynthesizedStack]) -> Callable[[str], SynthesizedStack]:
    """The identity stack of an environment, by its name ("dev", "prod")."""
    return lambda env: stacks[f"{env}/identity"]
