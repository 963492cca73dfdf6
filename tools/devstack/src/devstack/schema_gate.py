"""The schema gate behind `make schema-check` and `make schema-diff`.

It fails, naming the cause, when a committed subgraph SDL differs from what the code exports, when
composition fails or differs from the committed supergraph, when a kept operation does not validate
against the public API schema (or uses a deprecated field without saying so), when the trusted
documents manifest is stale, or when the API schema has a breaking change against a base git ref
that schema/breaking-changes-allowed.txt does not acknowledge.

Change classification is graphql-core's (`find_breaking_changes`, `find_dangerous_changes`);
additions are listed as safe.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    parse,
    specified_rules,
    validate,
)
from graphql.error import GraphQLSyntaxError
from graphql.validation import NoDeprecatedCustomRule

from devstack import schema_export, toolchain, trusted_documents
from devstack.topology import SUBGRAPH_NAMES

ALLOWED_BREAKING_FILE = "breaking-changes-allowed.txt"
# An operation that knowingly uses a deprecated field says so in a comment, one coordinate a line:
#   # uses-deprecated: Quote.oldField
_DEPRECATED_ACK = re.compile(r"^#\s*uses-deprecated:\s*(\S+)\s*$", re.MULTILINE)
_DEPRECATED_COORDINATE = re.compile(
    r"The (?:field|argument|enum value|input field) (?:'|\")?([\w.$()]+?)(?:'|\")? "
)


@dataclass(frozen=True)
class Change:
    severity: str  # "breaking", "dangerous" or "safe"
    kind: str
    description: str

    def __str__(self) -> str:
        return f"{self.severity:<9} {self.kind}: {self.description}"


# -- API schema ---------------------------------------------------------------------------------
def api_schema_sdl(supergraph_sdl: str) -> str:
    """The public API schema of a supergraph, from the composition library itself."""
    result = subprocess.run(  # noqa: S603 - fixed command
        [str(toolchain.node_executable()), str(toolchain.ROUTER_DIR / "scripts" / "api-schema.mjs"), "-"],
        input=supergraph_sdl,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ValueError(result.stderr.strip() or "api-schema.mjs failed")
    return result.stdout


def load_schema(sdl: str) -> GraphQLSchema:
    """A supergraph becomes its API schema; a plain schema is used as it is."""
    if "@join__graph" in sdl or "join__Graph" in sdl:
        sdl = api_schema_sdl(sdl)
    return build_schema(sdl)


# -- diff -------------------------------------------------------------------------------------
def classify(old: GraphQLSchema, new: GraphQLSchema) -> list[Change]:
    changes = [Change("breaking", c.type.name, c.description) for c in find_breaking_changes(old, new)]
    changes += [Change("dangerous", c.type.name, c.description) for c in find_dangerous_changes(old, new)]
    changes += list(_additions(old, new))
    return changes


def _additions(old: GraphQLSchema, new: GraphQLSchema) -> Iterable[Change]:
    """What graphql-core does not report because it cannot hurt a client: new types and fields."""
    for name, new_type in sorted(new.type_map.items()):
        if name.startswith("__"):
            continue
        old_type = old.type_map.get(name)
        if old_type is None:
            yield Change("safe", "TYPE_ADDED", f"{name} was added.")
            continue
        if (is_object_type(new_type) or is_interface_type(new_type)) and type(old_type) is type(new_type):
            for field in sorted(set(new_type.fields) - set(old_type.fields)):
                yield Change("safe", "FIELD_ADDED", f"{name}.{field} was added.")
        if is_input_object_type(new_type) and is_input_object_type(old_type):
            continue  # input additions are breaking or dangerous, reported above
        if is_enum_type(new_type) and is_enum_type(old_type):
            continue  # enum value additions are dangerous, reported above


# -- checks -----------------------------------------------------------------------------------
def check_exports(schema_dir: Path) -> list[str]:
    problems = []
    for name in SUBGRAPH_NAMES:
        path = schema_dir / f"{name}.graphql"
        committed = path.read_text() if path.exists() else None
        try:
            exported = schema_export.export_sdl(name)
        except subprocess.CalledProcessError as error:
            last_line = (error.stderr or "").strip().splitlines()[-1:] or ["no output"]
            problems.append(f"{name}: the schema cannot be exported from code: {last_line[0]}")
            continue
        if committed != exported:
            state = "is missing" if committed is None else "differs from what the code exports"
            problems.append(f"{path.name} {state}: run `make schema` and commit it")
    return problems


def check_composition(schema_dir: Path) -> list[str]:
    result = schema_export.compose(schema_dir, check=True)
    if result.returncode == 0:
        return []
    return [f"composition: {(result.stderr or result.stdout).strip()}"]


def check_operations(api: GraphQLSchema, operations_dir: Path) -> list[str]:
    problems = []
    for path in sorted(operations_dir.glob("*.graphql")):
        text = path.read_text()
        try:
            document = parse(text)
        except GraphQLSyntaxError as error:
            problems.append(f"{path.name}: {error.message}")
            continue
        problems += [f"{path.name}: {e.message}" for e in validate(api, document, specified_rules)]
        acknowledged = set(_DEPRECATED_ACK.findall(text))
        for deprecation in validate(api, document, [NoDeprecatedCustomRule]):
            match = _DEPRECATED_COORDINATE.search(deprecation.message)
            if not match or match.group(1) not in acknowledged:
                problems.append(
                    f"{path.name}: {deprecation.message} (add `# uses-deprecated: <Type.field>` if meant)"
                )
    return problems


def check_trusted_documents(schema_dir: Path) -> list[str]:
    path = schema_dir / trusted_documents.MANIFEST_NAME
    expected = trusted_documents.render(trusted_documents.build_manifest(schema_dir / "operations"))
    if not path.exists() or path.read_text() != expected:
        return [f"{path.name} does not match schema/operations/: run `make schema` and commit it"]
    return []


def base_supergraph(base_ref: str, repo: Path = toolchain.REPO_ROOT) -> str | None:
    """The supergraph committed at `base_ref`, or None when that ref has none."""
    result = subprocess.run(  # noqa: S603 - git with a ref given by the operator or CI
        ["git", "show", f"{base_ref}:schema/supergraph.graphql"],  # noqa: S607
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


def allowed_breaking(schema_dir: Path) -> set[str]:
    path = schema_dir / ALLOWED_BREAKING_FILE
    if not path.exists():
        return set()
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def check_breaking(api: GraphQLSchema, base_sdl: str, schema_dir: Path) -> list[str]:
    allowed = allowed_breaking(schema_dir)
    breaking = [c for c in classify(load_schema(base_sdl), api) if c.severity == "breaking"]
    return [
        f"breaking change not acknowledged in {ALLOWED_BREAKING_FILE}: {c.description}"
        for c in breaking
        if c.description not in allowed
    ]


def run_check(schema_dir: Path, base_ref: str | None) -> tuple[list[str], list[str]]:
    """(problems, notes): the check fails when there is any problem."""
    notes: list[str] = []
    problems = check_exports(schema_dir) + check_composition(schema_dir)
    supergraph_path = schema_dir / "supergraph.graphql"
    api = load_schema(supergraph_path.read_text())
    problems += check_operations(api, schema_dir / "operations")
    problems += check_trusted_documents(schema_dir)
    if base_ref:
        base_sdl = base_supergraph(base_ref)
        if base_sdl is None:
            notes.append(f"no schema/supergraph.graphql at {base_ref}: nothing to compare against")
        else:
            problems += check_breaking(api, base_sdl, schema_dir)
    else:
        notes.append("SCHEMA_BASE not set: breaking changes not checked")
    return problems, notes
