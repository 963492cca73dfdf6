"""How the services stack is composed: the subgraphs of topology.toml, each wired by its own module
with its service's own table definition, and resources whose logical ids did not move when the
stack was split into constructs (a changed id would make CloudFormation replace the resource)."""

from __future__ import annotations

import dataclasses
import importlib

import pytest
from assets.app import AssetsSettings
from customers.app import CustomersSettings
from infra.assembly import SynthesizedStack, services_of
from infra.services import MissingWiring, table_definition, wiring
from infra.topology import TOPOLOGY, Subgraph, load
from portfolios.app import PortfoliosSettings

from infra import services

# The logical ids the deployed stacks have had since before the constructs: named resources (the
# ECS services, the log groups) could not even be created again beside the old ones, and a new ALB
# would have a new DNS name.
KEPT_LOGICAL_IDS = {
    "ClusterEB0386A7",
    "RouterSecurityGroup441D7069",
    "CustomersTask7979697E",
    "CustomersLogs2218101A",
    "CustomersSecurityGroup2FF62151",
    "CustomersService2AE0F301",
    "PortfoliosTask72AD769F",
    "PortfoliosLogs792FCAAA",
    "PortfoliosSecurityGroup2CF49544",
    "PortfoliosServiceFE08E550",
    "AssetsTask488EF87F",
    "AssetsLogs5114669A",
    "AssetsSecurityGroup21C60C9D",
    "AssetsServiceC20B5A49",
    "RouterTask98458276",
    "RouterLogsDF967322",
    "RouterService7ADA5256",
    "AlbSecurityGroup86A59E99",
    "Alb16C2F182",
    "AlbAccessLogsCCEDA970",
}
# The ALB's plain-HTTP listener and target group, now in every environment: TLS ends at API Gateway,
# so prod's HTTPS listener and its redirect (AlbHttps..., AlbRedirect80To443...) are gone on purpose.
LISTENERS = {"AlbHttp7966E42E", "AlbHttpRouterGroup63A940F9"}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_services_stack_keeps_the_logical_ids_of_its_deployed_resources(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    resources = set(stacks[f"{env}/services"].template["Resources"])
    assert resources >= KEPT_LOGICAL_IDS, sorted(KEPT_LOGICAL_IDS - resources)
    assert resources >= LISTENERS, sorted(LISTENERS - resources)


def test_topology_toml_names_the_subgraphs_their_ports_and_prefixes() -> None:
    topology = load()
    assert topology == TOPOLOGY
    assert topology.router_port not in {subgraph.port for subgraph in topology.subgraphs}
    assert len({subgraph.port for subgraph in topology.subgraphs}) == len(topology.subgraphs)
    # the prefix infra names the task's variables with is the one the service's settings read
    settings = {"customers": CustomersSettings, "portfolios": PortfoliosSettings, "assets": AssetsSettings}
    assert set(settings) == set(topology.names)
    for subgraph in topology.subgraphs:
        assert settings[subgraph.name].model_config.get("env_prefix") == subgraph.env_prefix, subgraph


def test_every_subgraph_of_the_topology_is_a_service_of_the_stack(prod: SynthesizedStack) -> None:
    assert set(services_of(prod)) == {*TOPOLOGY.names, "router"}
    for subgraph in TOPOLOGY.subgraphs:
        connect = services_of(prod)[subgraph.name]["ServiceConnectConfiguration"]["Services"]
        assert connect[0]["ClientAliases"] == [{"DnsName": subgraph.name, "Port": subgraph.port}]


@pytest.mark.parametrize("name", TOPOLOGY.names)
def test_each_wiring_module_uses_its_services_own_table_definition(name: str) -> None:
    own = importlib.import_module(f"{name}.adapters.table").table_definition
    assert table_definition(name) is own
    assert wiring(name).__name__ == f"infra.services.{name}"


def test_a_subgraph_without_a_wiring_module_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = Subgraph(name="ledger", port=4004, env_prefix="LEDGER_")
    grown = dataclasses.replace(TOPOLOGY, subgraphs=(*TOPOLOGY.subgraphs, extra))
    monkeypatch.setattr(services, "TOPOLOGY", grown)
    with pytest.raises(MissingWiring, match=r"'ledger'.*infra/src/infra/services/<name>\.py"):
        wiring("ledger")
    with pytest.raises(MissingWiring):
        wiring("customers")  # any lookup: the lists disagree
