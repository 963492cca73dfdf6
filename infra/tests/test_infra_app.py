"""The app as a whole: a shared registry plus one stage per environment, stack names, image tag."""

from __future__ import annotations

import pytest
from aws_cdk import aws_dynamodb as dynamodb
from infra.assembly import SynthesizedStack
from infra.tables import table_v2_props

from infra.app import MissingImageTag, build_app, cdk_json_context

CONCERNS = (
    "network",
    "data",
    "messaging",
    "configuration",
    "cache",
    "identity",
    "services",
    "observability",
)


def test_a_registry_and_every_concern_for_each_environment(stacks: dict[str, SynthesizedStack]) -> None:
    expected = {"portfolio-registry"} | {
        f"{env}/{concern}" for env in ("dev", "prod") for concern in CONCERNS
    }
    assert set(stacks) == expected
    for env in ("dev", "prod"):
        for concern in CONCERNS:
            assert stacks[f"{env}/{concern}"].stack_name == f"portfolio-{env}-{concern}"


def test_the_registry_keeps_every_image_immutable_and_scanned(stacks: dict[str, SynthesizedStack]) -> None:
    registry = stacks["portfolio-registry"]
    repositories = registry.resources("AWS::ECR::Repository")
    names = sorted(r["Properties"]["RepositoryName"] for r in repositories.values())
    assert names == ["portfolio-assets", "portfolio-customers", "portfolio-portfolios", "portfolio-router"]
    for repository in repositories.values():
        assert repository["Properties"]["ImageTagMutability"] == "IMMUTABLE"
        assert repository["Properties"]["ImageScanningConfiguration"] == {"ScanOnPush": True}
        assert repository["DeletionPolicy"] == "Retain"


def test_prod_deploys_to_its_configured_account(stacks: dict[str, SynthesizedStack]) -> None:
    image = next(
        c["Image"]
        for td in stacks["prod/services"].properties("AWS::ECS::TaskDefinition")
        for c in td["ContainerDefinitions"]
        if c["Name"] == "app"
    )
    assert image["Fn::Join"][1][0].startswith("222222222222.dkr.ecr.")


@pytest.mark.parametrize("tag", [None, "", "has space", "-leading-dash"])
def test_synthesis_needs_a_valid_image_tag(tag: str | None) -> None:
    context = cdk_json_context()
    if tag is not None:
        context["imageTag"] = tag
    with pytest.raises(MissingImageTag):
        build_app(context)


def test_table_translation_refuses_what_it_cannot_express() -> None:
    base = {
        "TableName": "t",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    }
    props = table_v2_props(base)
    assert props["partition_key"].name == "pk"
    assert props["partition_key"].type == dynamodb.AttributeType.STRING
    assert "sort_key" not in props and "global_secondary_indexes" not in props
    with pytest.raises(ValueError, match="LocalSecondaryIndexes"):
        table_v2_props({**base, "LocalSecondaryIndexes": []})
    with pytest.raises(ValueError, match="on-demand"):
        table_v2_props({**base, "BillingMode": "PROVISIONED"})
    # The stream a service's definition may carry for DynamoDB Local is the Data stack's to enable.
    streamed = {
        **base,
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
    assert table_v2_props(streamed).keys() == props.keys()
