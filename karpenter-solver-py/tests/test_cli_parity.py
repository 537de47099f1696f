"""Every scenario gives the command line's JSON, byte for byte, for provision and consolidate
(CONTRACT.md section 6)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import karpenter_solver as ks

from conftest import CATALOG_YAML, CONSOLIDATE_NOW, CONSOLIDATE_YAML, EXAMPLE, REPO, Cli

NOW = "2026-11-23T12:00:00Z"


@dataclass
class Scenario:
    id: str
    path: Path
    inline: Optional[Dict[str, Any]] = None
    """A file's `snapshot:`, `catalog:` and `now:` keys, when it holds them inline."""

    def files(self, tmp: Path) -> Tuple[Path, Optional[Path], Optional[str]]:
        """The snapshot file, catalog file and `now` to give both the CLI and Python."""
        if self.inline is None:
            return self.path, None, None
        snapshot = tmp / "snapshot.json"
        snapshot.write_text(_as_text(self.inline["snapshot"]))
        catalog = None
        if self.inline.get("catalog") is not None:
            catalog = tmp / "catalog.json"
            catalog.write_text(_as_text(self.inline["catalog"]))
        now = self.inline.get("now")
        return snapshot, catalog, (str(now) if now is not None else None)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _yaml_loader() -> Any:
    """PyYAML's safe loader, less its timestamp type: `2026-11-01T00:00:00Z` stays the text it
    is, as the solver reads it, rather than becoming a datetime written back differently."""
    import yaml  # PyYAML, only to tell scenarios from other files

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor(
        "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
    )
    return Loader


def _discover() -> List[Scenario]:
    """examples/snapshot.yaml, then every snapshot under testdata/.

    A file is a scenario when it is a snapshot itself (documents that each have a `kind`,
    such as a `kind: List`) or a mapping with a top-level `snapshot:` key, with optional
    inline `catalog:` and `now:`. Anything else there (catalogs, expected outputs) is not.
    """
    found = [Scenario("examples/snapshot.yaml", EXAMPLE)]
    files = sorted(
        p for pattern in ("*.yaml", "*.yml", "*.json") for p in (REPO / "testdata").rglob(pattern)
    )
    if not files:
        return found
    import yaml

    loader = _yaml_loader()
    for path in files:
        try:
            with open(path, "rb") as f:
                docs = [d for d in yaml.load_all(f, Loader=loader) if d is not None]
        except yaml.YAMLError:
            continue  # deliberately malformed input belongs to error tests, not here
        name = str(path.relative_to(REPO))
        if len(docs) == 1 and isinstance(docs[0], dict) and "snapshot" in docs[0]:
            found.append(Scenario(name, path, docs[0]))
        elif docs and all(isinstance(d, dict) and "kind" in d for d in docs):
            found.append(Scenario(name, path))
    return found


SCENARIOS = _discover()

CONSOLIDATE_DIR = REPO / "testdata" / "consolidate"

INLINE_CONSOLIDATE = [
    Scenario(
        "inline:five-nodes",
        Path("inline"),
        {"snapshot": CONSOLIDATE_YAML, "now": CONSOLIDATE_NOW},
    ),
    Scenario("inline:five-nodes-no-clock", Path("inline"), {"snapshot": CONSOLIDATE_YAML}),
    Scenario(
        "inline:five-nodes-small-catalog",
        Path("inline"),
        {"snapshot": CONSOLIDATE_YAML, "catalog": CATALOG_YAML, "now": CONSOLIDATE_NOW},
    ),
]
"""Consolidate cases that exist whatever testdata/ holds, so parity is always exercised."""

CONSOLIDATE_SCENARIOS = INLINE_CONSOLIDATE + SCENARIOS
"""testdata/consolidate/ (when it exists) is under testdata/, so among SCENARIOS; consolidate
runs on every other scenario too, provision ones included (they have nodes to consolidate)."""


def _check_matches_cli(cli: Cli, verb: str, scenario: Scenario, tmp: Path) -> None:
    solve = {"provision": ks.provision, "consolidate": ks.consolidate}[verb]
    snapshot, catalog, now = scenario.files(tmp)
    args = [verb, str(snapshot)]
    args += ["--catalog", str(catalog)] if catalog else []
    args += ["--now", now] if now else []
    done = cli.run(args)
    if done.returncode == 2:  # a scenario of invalid input: the same message, as an exception
        with pytest.raises((ks.SnapshotError, ks.CatalogError, ValueError)) as info:
            solve(snapshot, catalog, now=now)
        assert done.stderr.strip().endswith(str(info.value))
        return
    assert done.returncode == 0, done.stderr
    expected = done.stdout.removesuffix("\n")
    plan = solve(snapshot, catalog, now=now)
    assert plan.to_json() == expected
    assert plan.to_dict() == json.loads(expected)
    # The CLI prints each warning on standard error.
    assert [f"warning: {w}" for w in plan.warnings] == [
        line for line in done.stderr.splitlines() if line.startswith("warning: ")
    ]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario_matches_cli(cli: Cli, scenario: Scenario, tmp_path: Path) -> None:
    _check_matches_cli(cli, "provision", scenario, tmp_path)


@pytest.mark.parametrize(
    "scenario", CONSOLIDATE_SCENARIOS, ids=[s.id for s in CONSOLIDATE_SCENARIOS]
)
def test_consolidate_scenario_matches_cli(cli: Cli, scenario: Scenario, tmp_path: Path) -> None:
    _check_matches_cli(cli, "consolidate", scenario, tmp_path)


def test_every_consolidate_scenario_is_run() -> None:
    """Each testdata/consolidate/*.yaml is discovered as a scenario (none silently passed
    over); the folder may not exist yet."""
    files = sorted(CONSOLIDATE_DIR.glob("*.yaml")) if CONSOLIDATE_DIR.is_dir() else []
    discovered = {s.path for s in CONSOLIDATE_SCENARIOS}
    assert [f for f in files if f not in discovered] == []


def test_inline_consolidate_has_every_part(cli: Cli, tmp_path: Path) -> None:
    """The inline case is worth comparing: commands of two reasons, a replacement, moves and
    blocked nodes."""
    snapshot = tmp_path / "snapshot.yaml"
    snapshot.write_text(CONSOLIDATE_YAML)
    data = json.loads(cli.consolidate(snapshot, now=CONSOLIDATE_NOW))
    assert {c["reason"] for c in data["commands"]} >= {"Empty", "Underutilized"}
    assert any(c["replacements"] for c in data["commands"])
    assert any(c["podMoves"] for c in data["commands"])
    assert data["blocked"] and data["savingsPerHour"] > 0


def test_example_with_now_matches_cli(cli: Cli) -> None:
    expected = cli.provision(EXAMPLE, now=NOW)
    assert ks.provision(str(EXAMPLE), now=NOW).to_json() == expected
    expected = cli.consolidate(EXAMPLE, now=NOW)
    assert ks.consolidate(str(EXAMPLE), now=NOW).to_json() == expected


def test_custom_catalog_matches_cli(cli: Cli, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG_YAML)
    expected = cli.provision(EXAMPLE, catalog)
    assert ks.provision(EXAMPLE, catalog).to_json() == expected
    assert ks.provision(EXAMPLE, ks.load_catalog(CATALOG_YAML)).to_json() == expected
    expected = cli.consolidate(EXAMPLE, catalog)
    assert ks.consolidate(EXAMPLE, catalog).to_json() == expected
    assert ks.consolidate(EXAMPLE, ks.load_catalog(CATALOG_YAML)).to_json() == expected


def test_error_message_matches_cli(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text().replace('cpu: "4", memory: 16Gi', 'cpu: "4x", memory: 16Gi', 1)
    )
    for verb, solve in (("provision", ks.provision), ("consolidate", ks.consolidate)):
        done = cli.run([verb, str(bad)])
        assert done.returncode == 2
        with pytest.raises(ks.SnapshotError) as info:
            solve(bad)
        assert done.stderr.strip() == f"karpenter-solver: {info.value}"


def test_bad_now_message_matches_cli(cli: Cli) -> None:
    done = cli.run(["consolidate", "--now", "yesterday", str(EXAMPLE)])
    assert done.returncode == 2
    with pytest.raises(ValueError) as info:
        ks.consolidate(EXAMPLE, now="yesterday")
    assert not isinstance(info.value, (ks.SnapshotError, ks.CatalogError))
    assert done.stderr.strip() == f"karpenter-solver: {info.value}"
