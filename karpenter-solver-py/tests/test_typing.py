"""The stubs match the native module (mypy.stubtest), and the package type-checks strictly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import karpenter_solver

PACKAGE = Path(__file__).resolve().parents[1]


CONSUMER = """
from datetime import datetime, timezone
from pathlib import Path
import karpenter_solver as ks

catalog: ks.Catalog = ks.load_catalog(Path("catalog.yaml"))
plan: ks.Plan = ks.provision([{"kind": "Pod"}], catalog, now=datetime.now(timezone.utc))
price: float = plan.node_claims[0].price + plan.total_price
first: str = plan.node_claims[0].instance_types[0]
reasons: list[str] = [u.reason for u in plan.unschedulable]
cplan: ks.ConsolidationPlan = ks.consolidate(Path("snap.yaml"), catalog, now="2026-11-23T12:00:00Z")
saved: float = cplan.savings_per_hour + cplan.commands[0].savings_per_hour + cplan.lower_bound
removed: tuple[str, ...] = cplan.commands[0].nodes
moves: list[tuple[str, str]] = [(m.pod, m.to) for c in cplan.commands for m in c.pod_moves]
launch: list[ks.NodeClaim] = [r for c in cplan.commands for r in c.replacements]
held: dict[str, str] = {b.node: b.reason for b in cplan.blocked}
try:
    ks.provision("snapshot.yaml")
except ks.SnapshotError as e:
    field: str | None = e.field
"""


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module's mypy runs: checking matplotlib's and numpy's stubs is slow."""
    return tmp_path_factory.mktemp("mypy-cache")


def _mypy(tmp: Path, *args: str, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy")
    # Run in `tmp` so no cache lands in the source tree.
    options = ["--cache-dir", str(cache)] if cache else []
    return subprocess.run(
        [sys.executable, "-m", *args, *options],
        capture_output=True, text=True, timeout=600, cwd=tmp,
    )


def test_stubtest(tmp_path: Path) -> None:
    done = _mypy(
        tmp_path, "mypy.stubtest", "karpenter_solver",
        "--mypy-config-file", str(PACKAGE / "pyproject.toml"),
        "--allowlist", str(PACKAGE / "stubtest-allowlist.txt"),
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_installed_package_is_typed(tmp_path: Path, mypy_cache: Path) -> None:
    installed = Path(karpenter_solver.__file__).parent
    assert (installed / "py.typed").is_file()
    assert (installed / "_karpenter_solver.pyi").is_file()
    consumer = tmp_path / "consumer.py"
    consumer.write_text(CONSUMER)
    # A caller's code type-checks strictly against the installed package, and misuse is caught.
    done = _mypy(tmp_path, "mypy", "--strict", str(consumer), cache=mypy_cache)
    assert done.returncode == 0, done.stdout + done.stderr
    consumer.write_text(
        CONSUMER + "ks.provision(42)\nplan.total_price.upper()\n"
        "ks.consolidate(42)\ncplan.total_price\n"
    )
    done = _mypy(tmp_path, "mypy", "--strict", str(consumer), cache=mypy_cache)
    assert done.returncode == 1
    assert 'Argument 1 to "provision" has incompatible type "int"' in done.stdout
    assert '"float" has no attribute "upper"' in done.stdout
    assert 'Argument 1 to "consolidate" has incompatible type "int"' in done.stdout
    assert '"ConsolidationPlan" has no attribute "total_price"' in done.stdout


def test_package_sources_pass_mypy_strict(tmp_path: Path, mypy_cache: Path) -> None:
    done = _mypy(
        tmp_path, "mypy", "--config-file", str(PACKAGE / "pyproject.toml"),
        str(PACKAGE / "python" / "karpenter_solver"), cache=mypy_cache,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_all_is_exported() -> None:
    for name in karpenter_solver.__all__:
        assert hasattr(karpenter_solver, name), name
