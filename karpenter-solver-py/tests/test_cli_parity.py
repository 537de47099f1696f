"""Every scenario gives the command line's JSON, byte for byte (CONTRACT.md section 6)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import karpenter_solver as ks

from conftest import CATALOG_YAML, EXAMPLE, REPO, Cli

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
        return snapshot, catalog, (now.isoformat() if hasattr(now, "isoformat") else now)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


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
    import yaml  # PyYAML, only to tell scenarios from other files

    for path in files:
        try:
            with open(path, "rb") as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError:
            continue  # deliberately malformed input belongs to error tests, not here
        name = str(path.relative_to(REPO))
        if len(docs) == 1 and isinstance(docs[0], dict) and "snapshot" in docs[0]:
            found.append(Scenario(name, path, docs[0]))
        elif docs and all(isinstance(d, dict) and "kind" in d for d in docs):
            found.append(Scenario(name, path))
    return found


SCENARIOS = _discover()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario_matches_cli(cli: Cli, scenario: Scenario, tmp_path: Path) -> None:
    snapshot, catalog, now = scenario.files(tmp_path)
    args = ["provision", str(snapshot)]
    args += ["--catalog", str(catalog)] if catalog else []
    args += ["--now", now] if now else []
    done = cli.run(args)
    if done.returncode == 2:  # a scenario of invalid input: the same message, as an exception
        with pytest.raises((ks.SnapshotError, ks.CatalogError, ValueError)) as info:
            ks.provision(snapshot, catalog, now=now)
        assert done.stderr.strip().endswith(str(info.value))
        return
    assert done.returncode == 0, done.stderr
    expected = done.stdout.removesuffix("\n")
    plan = ks.provision(snapshot, catalog, now=now)
    assert plan.to_json() == expected
    assert plan.to_dict() == json.loads(expected)


def test_example_with_now_matches_cli(cli: Cli) -> None:
    expected = cli.provision(EXAMPLE, now=NOW)
    assert ks.provision(str(EXAMPLE), now=NOW).to_json() == expected


def test_custom_catalog_matches_cli(cli: Cli, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG_YAML)
    expected = cli.provision(EXAMPLE, catalog)
    assert ks.provision(EXAMPLE, catalog).to_json() == expected
    assert ks.provision(EXAMPLE, ks.load_catalog(CATALOG_YAML)).to_json() == expected


def test_error_message_matches_cli(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text().replace('cpu: "4", memory: 16Gi', 'cpu: "4x", memory: 16Gi', 1)
    )
    done = cli.run(["provision", str(bad)])
    assert done.returncode == 2
    with pytest.raises(ks.SnapshotError) as info:
        ks.provision(bad)
    assert done.stderr.strip() == f"karpenter-solver: {info.value}"
