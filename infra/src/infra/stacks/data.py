"""Data: one DynamoDB table per service, keys and indexes from the service's own table definition;
every table streams its changes (the outbox the Pipes read) and expires items by `purgeAt`."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.config import SUBGRAPHS, TTL_ATTRIBUTE, EnvironmentConfig
from infra.services import table_definition
from infra.tables import table_name, table_v2_props


class DataStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.tables: dict[str, dynamodb.TableV2] = {}
        self.definitions: dict[str, dict[str, Any]] = {}
        for service in SUBGRAPHS:
            name = table_name(config, service)
            self.definitions[service] = table_definition(service)(name)
            self.tables[service] = dynamodb.TableV2(
                self,
                f"{service.capitalize()}Table",
                table_name=name,
                **table_v2_props(self.definitions[service]),
                billing=dynamodb.Billing.on_demand(),
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=True,
                # Streams carry every change out (outbox to EventBridge Pipes, projections).
                dynamo_stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
                # Event items and applied-event markers expire; their removal is a REMOVE record,
                # which the Pipes' INSERT filter ignores.
                time_to_live_attribute=TTL_ATTRIBUTE,
                removal_policy=RemovalPolicy.RETAIN,
            )
