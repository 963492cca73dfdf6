"""Registry: one ECR repository per image, shared by every environment of the account.

An image is built once per commit, tagged with the commit (`IMAGE_TAG`), pushed here, and then
deployed to dev and later to prod with `-c imageTag=<sha>`. Tags are immutable, so a tag always
names the same bytes and rolling back is deploying an earlier tag.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from infra.config import REPOSITORY_PREFIX, SERVICES


def repository_name(service: str) -> str:
    return f"{REPOSITORY_PREFIX}{service}"


class RegistryStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, keep_images: int = 100, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.repositories = {
            service: ecr.Repository(
                self,
                f"{service.capitalize()}Repository",
                repository_name=repository_name(service),
                image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                image_scan_on_push=True,
                removal_policy=RemovalPolicy.RETAIN,
                lifecycle_rules=[
                    ecr.LifecycleRule(
                        description=f"keep the last {keep_images} images", max_image_count=keep_images
                    )
                ],
            )
            for service in SERVICES
        }
