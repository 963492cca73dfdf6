"""Every list of objects the router can plan declares its size (@listSize), so the cost limit counts it
at a real user's size instead of a default (kit/cost.py, router/src/plugins/cost.ts)."""

from __future__ import annotations

from typing import Any

from devstack import toolchain
from graphql import (
    build_schema,
    get_named_type,
    is_composite_type,
    is_list_type,
    is_non_null_type,
    value_from_ast_untyped,
)

SUPERGRAPH = toolchain.SCHEMA_DIR / "supergraph.graphql"


def list_size(field: Any) -> dict[str, Any] | None:
    for directive in (field.ast_node.directives or ()) if field.ast_node else ():
        if directive.name.value == "listSize":
            return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments}
    return None


def test_every_list_of_objects_in_the_supergraph_has_a_list_size() -> None:
    schema = build_schema(SUPERGRAPH.read_text())
    fields = {
        (type_name, field_name): field
        for type_name, named in schema.type_map.items()
        if not type_name.startswith(("__", "join__", "link__")) and hasattr(named, "fields")
        for field_name, field in named.fields.items()
    }
    # A connection's `edges` is sized by the field that returns the connection (sizedFields).
    sized = {
        (get_named_type(field.type).name, name)
        for field in fields.values()
        for name in (list_size(field) or {}).get("sizedFields") or ()
    }
    unsized = []
    for (type_name, field_name), field in fields.items():
        type_ = field.type.of_type if is_non_null_type(field.type) else field.type
        of_objects = is_list_type(type_) and is_composite_type(get_named_type(type_))
        if of_objects and list_size(field) is None and (type_name, field_name) not in sized:
            unsized.append(f"{type_name}.{field_name}")
    assert unsized == []
    assert len(sized) == 4  # customers, searchInstruments, Portfolio.activities, Portfolio.auditTrail


def test_the_supergraph_links_the_cost_spec() -> None:
    assert '@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])' in SUPERGRAPH.read_text()
