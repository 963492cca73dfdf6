"""A small Dockerfile reader for the tests that check the images without Docker (it does not run on
the development machines): stages and their instructions with the build arguments expanded, the
files each COPY takes from the build context, and what .dockerignore keeps out of that context."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

_REFERENCE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_GLOB = re.compile(r"[*?\[]")


@dataclass
class Instruction:
    keyword: str
    flags: dict[str, str]
    value: str

    def exec_form(self) -> list[str] | None:
        try:
            parsed = json.loads(self.value)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, list) else None


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)
    # The build arguments this stage declares (ARG), with the values the build gives them.
    args: dict[str, str] = field(default_factory=dict)
    # Build arguments used in this stage without an ARG of its own: Docker makes them empty there.
    undeclared: set[str] = field(default_factory=set)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for pair in shlex.split(instruction.value):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


@dataclass(frozen=True)
class Copy:
    """A COPY from the build context (not --from another stage)."""

    sources: list[str]
    destination: str
    parents: bool  # --parents: each match keeps its path below the context root

    def matches(self, context: Path) -> list[str]:
        """The context's files each source names, globs expanded (Docker's `*` stays in one directory)."""
        found: list[str] = []
        for source in self.sources:
            if _GLOB.search(source):
                found += sorted(path.relative_to(context).as_posix() for path in context.glob(source))
            elif (context / source).exists():
                found.append(source)
        return found


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return lines


def parse(path: Path, build_args: Mapping[str, str] | None = None) -> list[Stage]:
    """The stages of a Dockerfile, built with `build_args` (`--build-arg NAME=value`)."""
    given = dict(build_args or {})
    stages: list[Stage] = []
    for line in _logical_lines(path.read_text()):
        keyword, _, rest = line.partition(" ")
        flags: dict[str, str] = {}
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.lstrip()
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            stages.append(Stage(base=parts[0], name=parts[2] if len(parts) == 3 else None))
        elif keyword == "ARG" and stages:
            name, _, default = rest.strip().partition("=")
            stages[-1].args[name] = given.get(name, default)
        else:
            stages[-1].instructions.append(
                Instruction(keyword, flags, _expand(rest.strip(), stages[-1], given))
            )
    return stages


def _expand(value: str, stage: Stage, given: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in stage.args:
            return stage.args[name]
        if name in given:
            stage.undeclared.add(name)
        return match.group(0)  # an environment variable of the image, e.g. $PATH

    return _REFERENCE.sub(replace, value)


def copies(stage: Stage) -> list[Copy]:
    """Each COPY of the stage from the build context."""
    result = []
    for instruction in stage.all("COPY"):
        if "from" in instruction.flags:
            continue
        *sources, destination = instruction.value.split()
        result.append(Copy(sources, destination, parents="parents" in instruction.flags))
    return result


def dockerignore_patterns(context: Path) -> list[re.Pattern[str]]:
    patterns = []
    for line in (context / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            raise ValueError("exceptions (!) in .dockerignore are not modelled by this reader")
        regex = re.escape(line.rstrip("/")).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
        patterns.append(re.compile(regex))
    return patterns


def ignored(context: Path, relative: str) -> bool:
    """As Docker does: a path is excluded when it or one of its parent directories matches."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    patterns = dockerignore_patterns(context)
    return any(pattern.fullmatch(prefix) for pattern in patterns for prefix in prefixes)
