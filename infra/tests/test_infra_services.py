"""Services stack: who can reach whom, what each task is told, how it is checked and scaled."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from assets.app import AssetsSettings
from aws_cdk.assertions import Match, Template
from customers.app import CustomersSettings
from devstack.config import DEFAULT_PORTS
from infra.assembly import SynthesizedStack
from infra.config import ROUTER_LIMIT_VARIABLES
from portfolios.app import PortfoliosSettings

SUBGRAPHS = ("customers", "portfolios", "assets")
SERVICES = (*SUBGRAPHS, "router")
ENVIRONMENTS = ("dev", "prod")
SETTINGS = {"customers": CustomersSettings, "portfolios": PortfoliosSettings, "assets": AssetsSettings}
GATEWAY_CONFIG = Path(__file__).resolve().parents[2] / "router" / "gateway.config.ts"


# -- reading the services template -----------------------------------------------------------------
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
    return {item["Name"]: item["Value"] for item in container(stack, service).get("Environment", [])}


def secrets(stack: SynthesizedStack, service: str) -> dict[str, Any]:
    return {item["Name"]: item["ValueFrom"] for item in container(stack, service).get("Secrets", [])}


def group_ids(stack: SynthesizedStack, service: str) -> list[Any]:
    return services_of(stack)[service]["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]


def local_group(stack: SynthesizedStack, service: str) -> str:
    """Logical id of the service's own security group (the one defined in this stack)."""
    (own,) = [ref["Fn::GetAtt"][0] for ref in group_ids(stack, service) if "Fn::GetAtt" in ref]
    return own


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


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def dev(stacks: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return stacks["dev/services"]


@pytest.fixture(scope="module")
def prod(stacks: dict[str, SynthesizedStack]) -> SynthesizedStack:
    return stacks["prod/services"]


# -- exposure --------------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_subgraphs_have_no_load_balancer_and_no_public_ip(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = services_of(stacks[f"{env}/services"])
    assert set(services) == set(SERVICES)
    for name in SUBGRAPHS:
        assert services[name]["LoadBalancers"] == [], name
        assert services[name]["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
        assert services[name]["LaunchType"] == "FARGATE"
    router = services["router"]
    assert router["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert [(lb["ContainerName"], lb["ContainerPort"]) for lb in router["LoadBalancers"]] == [("app", 4000)]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_subgraph_admits_only_the_router_on_its_own_port(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    router_group = local_group(stack, "router")
    for name in SUBGRAPHS:
        rules = ingress_to(stack, local_group(stack, name))
        assert [
            (rule.get("SourceSecurityGroupId"), rule.get("CidrIp"), rule["FromPort"], rule["ToPort"])
            for rule in rules
        ] == [({"Fn::GetAtt": [router_group, "GroupId"]}, None, DEFAULT_PORTS[name], DEFAULT_PORTS[name])], (
            name
        )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_router_admits_only_the_load_balancer(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    stack = stacks[f"{env}/services"]
    (balancer,) = stack.properties("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert balancer["Scheme"] == "internet-facing"
    (alb_group,) = balancer["SecurityGroups"]
    rules = ingress_to(stack, local_group(stack, "router"))
    assert [(rule["SourceSecurityGroupId"], rule["FromPort"], rule["ToPort"]) for rule in rules] == [
        (alb_group, 4000, 4000)
    ]


def test_dev_without_a_certificate_serves_http(template: Callable[[str], Template]) -> None:
    services = template("dev/services")
    services.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    services.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "Protocol": "HTTP", "DefaultActions": [Match.object_like({"Type": "forward"})]},
    )


def test_prod_with_a_certificate_serves_https_and_redirects_http(
    template: Callable[[str], Template], given: Any
) -> None:
    services = template("prod/services")
    services.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 2)
    services.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": given.prod_certificate}],
            "SslPolicy": Match.string_like_regexp("TLS"),
            "DefaultActions": [Match.object_like({"Type": "forward"})],
        },
    )
    services.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [
                Match.object_like({"Type": "redirect", "RedirectConfig": Match.object_like({"Port": "443"})})
            ],
        },
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_alb_logs_access_and_drops_invalid_headers(env: str, template: Callable[[str], Template]) -> None:
    template(f"{env}/services").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                ]
            )
        },
    )


# -- health checks ---------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_load_balancer_checks_the_routers_readiness(
    env: str, template: Callable[[str], Template]
) -> None:
    template(f"{env}/services").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckPath": "/readiness", "Matcher": {"HttpCode": "200"}, "Port": 4000, "TargetType": "ip"},
    )


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_subgraph_containers_check_their_health_endpoint(name: str, prod: SynthesizedStack) -> None:
    command = container(prod, name)["HealthCheck"]["Command"]
    assert command[:2] == ["CMD", "python"]
    assert f"http://127.0.0.1:{DEFAULT_PORTS[name]}/health'" in command[-1]


def test_router_container_checks_its_liveness(prod: SynthesizedStack) -> None:
    (check,) = container(prod, "router")["HealthCheck"]["Command"][1:]
    assert "curl -fsS http://127.0.0.1:4000/healthcheck" in check


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_failed_deployments_roll_back(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    for name, service in services_of(stacks[f"{env}/services"]).items():
        configuration = service["DeploymentConfiguration"]
        assert configuration["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}, name
        assert configuration["MinimumHealthyPercent"] == 100


# -- service connect -------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_subgraphs_are_named_in_service_connect_and_the_router_is_a_client(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = services_of(stacks[f"{env}/services"])
    for name in SUBGRAPHS:
        connect = services[name]["ServiceConnectConfiguration"]
        assert connect["Enabled"] is True
        (advertised,) = connect["Services"]
        assert advertised["PortName"] == "http"
        assert advertised["ClientAliases"] == [{"DnsName": name, "Port": DEFAULT_PORTS[name]}]
    router = services["router"]["ServiceConnectConfiguration"]
    assert router["Enabled"] is True
    assert "Services" not in router


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_router_reaches_each_subgraph_by_its_service_connect_name(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    services = services_of(stack)
    router_env = environment(stack, "router")
    for name in SUBGRAPHS:
        (alias,) = services[name]["ServiceConnectConfiguration"]["Services"][0]["ClientAliases"]
        assert router_env[f"{name.upper()}_URL"] == f"http://{alias['DnsName']}:{alias['Port']}/graphql"


# -- environment and secrets -----------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("name", SUBGRAPHS)
def test_subgraph_environment_names_are_the_services_own_settings(
    env: str, name: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    variables = environment(stack, name)
    prefix = name.upper()
    assert variables[f"{prefix}_HOST"] == "0.0.0.0"
    assert variables[f"{prefix}_PORT"] == str(DEFAULT_PORTS[name])
    assert variables[f"{prefix}_TABLE_NAME"] == f"portfolio-{env}-{name}"
    assert variables[f"{prefix}_AWS_REGION"] == "us-east-1"
    assert f"{prefix}_DYNAMODB_ENDPOINT_URL" not in variables  # the SDK's own endpoint in AWS
    assert f"{prefix}_LOG_LEVEL" in secrets(stack, name)
    # Every variable the task sets for these settings is a field the service reads.
    fields = set(SETTINGS[name].model_fields)
    for variable in ("HOST", "PORT", "TABLE_NAME", "AWS_REGION", "GRAPHIQL", "LOG_LEVEL"):
        assert variable.lower() in fields, variable


def test_subgraph_graphiql_is_on_in_dev_and_off_in_prod(
    dev: SynthesizedStack, prod: SynthesizedStack
) -> None:
    for name in SUBGRAPHS:
        assert environment(dev, name)[f"{name.upper()}_GRAPHIQL"] == "true"
        assert environment(prod, name)[f"{name.upper()}_GRAPHIQL"] == "false"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_router_runs_its_production_profile_in_every_environment(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    """The profile switches GraphiQL, introspection and suggestions off and applies the router's
    limits; trusted documents only is part of it and also said explicitly."""
    variables = environment(stacks[f"{env}/services"], "router")
    assert variables["ROUTER_PROFILE"] == "production"
    assert variables["ROUTER_TRUSTED_DOCUMENTS_ONLY"] == "true"
    assert "ROUTER_GRAPHIQL" not in variables  # the profile decides; nothing relaxes it in AWS


def test_router_environment_uses_the_names_the_gateway_config_reads(prod: SynthesizedStack) -> None:
    variables = environment(prod, "router")
    assert variables["ROUTER_HOST"] == "0.0.0.0"
    assert variables["ROUTER_PORT"] == "4000"
    config = GATEWAY_CONFIG.read_text()
    for name in (
        "ROUTER_HOST",
        "ROUTER_PORT",
        "ROUTER_PROFILE",
        "ROUTER_TRUSTED_DOCUMENTS_ONLY",
        "AUTH_ISSUER",
        "AUTH_AUDIENCE",
        "AUTH_JWKS_URL",
    ):
        assert name in variables
        assert f"'{name}'" in config, f"gateway.config.ts no longer reads {name}"
    # <NAME>_URL for each subgraph the supergraph composes (router/src/env.ts, envSubgraphUrls)
    for subgraph in SUBGRAPHS:
        assert f"{subgraph.upper()}_URL" in variables
    assert "`${subgraph.toUpperCase()}_URL`" in (GATEWAY_CONFIG.parent / "src" / "env.ts").read_text()
    # HOST and PORT would override the config file in the hive-gateway CLI: never set them.
    assert "HOST" not in variables and "PORT" not in variables


def test_cors_origins_and_every_limit_the_stack_may_set_are_read_by_the_gateway_config() -> None:
    config = GATEWAY_CONFIG.read_text()
    for name in ("ROUTER_CORS_ORIGINS", *ROUTER_LIMIT_VARIABLES):
        assert f"'{name}'" in config, f"gateway.config.ts does not read {name}"


def test_assets_gets_its_cache_settings_and_the_key_secrets_id_not_the_keys(prod: SynthesizedStack) -> None:
    variables = environment(prod, "assets")
    cache_url = variables["ASSETS_CACHE_URL"]["Fn::Join"][1]
    assert cache_url[0] == "rediss://"  # ElastiCache Serverless speaks TLS only
    assert cache_url[1]["Fn::GetStackOutput"]["StackName"] == "portfolio-prod-cache"
    secret_id = variables["ASSETS_API_KEYS_SECRET_ID"]["Fn::GetStackOutput"]
    assert secret_id["StackName"] == "portfolio-prod-configuration"
    assert "MarketDataApiKeys" in secret_id["OutputName"]
    wired = secrets(prod, "assets")
    for variable in ("ASSETS_PRICE_PROVIDERS", "ASSETS_FX_PROVIDER", "ASSETS_QUOTE_TTL_SECONDS"):
        assert wired[variable]["Fn::Join"][1][0] == "arn:aws:ssm:us-east-1:222222222222:parameter"
    for variable in [*wired, "ASSETS_API_KEYS_SECRET_ID", "ASSETS_CACHE_URL"]:
        assert variable.removeprefix("ASSETS_").lower() in AssetsSettings.model_fields, variable
    assert not [variable for variable in [*variables, *wired] if variable.endswith("_API_KEY")]


def test_task_definitions_take_only_ssm_parameters_as_secrets(prod: SynthesizedStack) -> None:
    """API keys are read by the assets service itself; ECS injects only SSM settings."""
    for name in SERVICES:
        for definition in task_definition(prod, name)["ContainerDefinitions"]:
            for secret in definition.get("Secrets", []):
                assert secret["ValueFrom"]["Fn::Join"][1][0].startswith("arn:aws:ssm:"), (
                    name,
                    secret["Name"],
                )


@pytest.mark.parametrize("name", SERVICES)
def test_images_come_from_the_services_repository_at_the_given_tag(
    name: str, prod: SynthesizedStack, given: Any
) -> None:
    image = container(prod, name)["Image"]["Fn::Join"][1]
    assert image[0] == "222222222222.dkr.ecr.us-east-1."
    assert image[-1] == f"/portfolio-{name}:{given.image_tag}"


@pytest.mark.parametrize("name", SERVICES)
def test_every_task_has_an_adot_sidecar_sending_traces(name: str, prod: SynthesizedStack) -> None:
    sidecar = container(prod, name, "otel-collector")
    assert re.fullmatch(
        r"public\.ecr\.aws/aws-observability/aws-otel-collector:v\d+\.\d+\.\d+", sidecar["Image"]
    )
    assert sidecar["Essential"] is False
    assert [item["Name"] for item in sidecar["Secrets"]] == ["AOT_CONFIG_CONTENT"]
    app = container(prod, name)
    assert {"Condition": "START", "ContainerName": "otel-collector"} in app["DependsOn"]
    assert environment(prod, name)["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert environment(prod, name)["OTEL_SERVICE_NAME"] == name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_container_logs_to_its_services_log_group_with_retention(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    retention = {"dev": 14, "prod": 90}[env]
    groups = {
        logical_id: resource["Properties"]
        for logical_id, resource in stack.resources("AWS::Logs::LogGroup").items()
    }
    for name in SERVICES:
        for definition in task_definition(stack, name)["ContainerDefinitions"]:
            options = definition["LogConfiguration"]["Options"]
            group = groups[options["awslogs-group"]["Ref"]]
            assert group["LogGroupName"] == f"/portfolio-{env}/{name}"
            assert group["RetentionInDays"] == retention


# -- autoscaling -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "subgraph_range", "router_range"), [("dev", (1, 2), (1, 2)), ("prod", (2, 6), (2, 8))]
)
def test_every_service_scales_on_cpu_and_the_router_also_on_requests(
    env: str,
    subgraph_range: tuple[int, int],
    router_range: tuple[int, int],
    stacks: dict[str, SynthesizedStack],
) -> None:
    stack = stacks[f"{env}/services"]
    targets = stack.resources("AWS::ApplicationAutoScaling::ScalableTarget")
    policies = stack.properties("AWS::ApplicationAutoScaling::ScalingPolicy")
    services = stack.resources("AWS::ECS::Service")
    for logical_id, target in targets.items():
        properties = target["Properties"]
        service_id = properties["ResourceId"]["Fn::Join"][1][-1]["Fn::GetAtt"][0]
        name = services[service_id]["Properties"]["ServiceName"]
        expected = router_range if name == "router" else subgraph_range
        assert (properties["MinCapacity"], properties["MaxCapacity"]) == expected, name
        metrics = sorted(
            policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
                "PredefinedMetricType"
            ]
            for policy in policies
            if policy["ScalingTargetId"] == {"Ref": logical_id}
        )
        expected_metrics = ["ECSServiceAverageCPUUtilization"]
        if name == "router":
            expected_metrics = ["ALBRequestCountPerTarget", *expected_metrics]
        assert metrics == expected_metrics, name
    assert len(targets) == 4


# -- IAM -------------------------------------------------------------------------------------------
def table_arn(env: str, account: str, name: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:{account}:table/portfolio-{env}-{name}"


@pytest.mark.parametrize(("env", "account"), [("dev", "111111111111"), ("prod", "222222222222")])
@pytest.mark.parametrize("name", SUBGRAPHS)
def test_each_task_role_reaches_only_its_own_table_and_indexes(
    env: str, account: str, name: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    role = task_definition(stack, name)["TaskRoleArn"]
    dynamodb = [
        s for s in role_policies(stack, role) if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    assert len(dynamodb) == 1
    arn = table_arn(env, account, name)
    definition = importlib.import_module(f"{name}.adapters.table").table_definition(f"portfolio-{env}-{name}")
    indexes = [index["IndexName"] for index in definition.get("GlobalSecondaryIndexes", [])]
    expected = [arn, *(f"{arn}/index/{index}" for index in indexes)]
    assert as_list(dynamodb[0]["Resource"]) == expected
    assert not any(a.startswith(("dynamodb:Create", "dynamodb:DeleteTable")) for a in dynamodb[0]["Action"])


def test_the_router_role_has_no_data_access(prod: SynthesizedStack) -> None:
    role = task_definition(prod, "router")["TaskRoleArn"]
    actions = {action for statement in role_policies(prod, role) for action in as_list(statement["Action"])}
    assert actions and all(action.startswith("xray:") for action in actions)


def test_customers_may_publish_to_the_bus_and_portfolios_may_consume_its_queue(
    prod: SynthesizedStack,
) -> None:
    def statements_with(name: str, prefix: str) -> list[dict[str, Any]]:
        role = task_definition(prod, name)["TaskRoleArn"]
        return [
            s for s in role_policies(prod, role) if any(a.startswith(prefix) for a in as_list(s["Action"]))
        ]

    (publish,) = statements_with("customers", "events:")
    assert as_list(publish["Action"]) == ["events:PutEvents"]
    assert publish["Resource"]["Fn::GetStackOutput"]["StackName"] == "portfolio-prod-messaging"
    (consume,) = statements_with("portfolios", "sqs:")
    assert "sqs:ReceiveMessage" in consume["Action"] and "sqs:DeleteMessage" in consume["Action"]
    assert consume["Resource"]["Fn::GetStackOutput"]["StackName"] == "portfolio-prod-messaging"
    for name in ("assets", "router", "portfolios"):
        assert statements_with(name, "events:") == [], name
    for name in ("assets", "router", "customers"):
        assert statements_with(name, "sqs:") == [], name


def test_only_the_assets_task_role_reads_the_market_data_secret(prod: SynthesizedStack) -> None:
    readers = {}
    for name in SERVICES:
        definition = task_definition(prod, name)
        for role in (definition["TaskRoleArn"], definition["ExecutionRoleArn"]):
            for statement in role_policies(prod, role):
                if any(a.startswith("secretsmanager:") for a in as_list(statement["Action"])):
                    readers[(name, role["Fn::GetAtt"][0])] = statement
    assert len(readers) == 1
    ((name, role_id), statement) = next(iter(readers.items()))
    assert name == "assets" and role_id == task_definition(prod, "assets")["TaskRoleArn"]["Fn::GetAtt"][0]
    assert sorted(statement["Action"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    # exactly the secret whose id the task is given
    assert statement["Resource"] == environment(prod, "assets")["ASSETS_API_KEYS_SECRET_ID"]


@pytest.mark.parametrize("name", SERVICES)
def test_execution_roles_pull_only_their_own_repository(name: str, prod: SynthesizedStack) -> None:
    role = task_definition(prod, name)["ExecutionRoleArn"]
    pulls = [s for s in role_policies(prod, role) if "ecr:BatchGetImage" in as_list(s["Action"])]
    assert [s["Resource"] for s in pulls] == [
        f"arn:aws:ecr:us-east-1:222222222222:repository/portfolio-{name}"
    ]


def test_no_policy_in_any_stack_grants_a_wildcard_action(stacks: dict[str, SynthesizedStack]) -> None:
    documents = []
    for stack in stacks.values():
        for resource_type, key in (
            ("AWS::IAM::Policy", "PolicyDocument"),
            ("AWS::IAM::Role", "AssumeRolePolicyDocument"),
            ("AWS::SQS::QueuePolicy", "PolicyDocument"),
            ("AWS::KMS::Key", "KeyPolicy"),
            ("AWS::S3::BucketPolicy", "PolicyDocument"),
        ):
            documents += [(stack.display_name, p[key]) for p in stack.properties(resource_type) if key in p]
        for role in stack.properties("AWS::IAM::Role"):
            documents += [
                (stack.display_name, policy["PolicyDocument"]) for policy in role.get("Policies", [])
            ]
    assert len(documents) > 20
    offending = [
        (where, action)
        for where, document in documents
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"  # the TLS-only Deny statements say "sqs:*" and "s3:*": fine
        for action in as_list(statement.get("Action", []))
        if "*" in action
    ]
    assert offending == []
