"""Shared fixtures: the repository, the command line to compare against, small inputs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "snapshot.yaml"


def _find_cli() -> Optional[Path]:
    explicit = os.environ.get("KS_CLI")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for profile in ("release", "debug"):
        candidate = target / profile / "karpenter-solver"
        if candidate.is_file():
            return candidate
    found = shutil.which("karpenter-solver")
    return Path(found) if found else None


class Cli:
    """The `karpenter-solver` binary, the reference every surface must match."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.path), *args], capture_output=True, text=True, timeout=300
        )

    def provision(
        self, snapshot: Path, catalog: Optional[Path] = None, now: Optional[str] = None
    ) -> str:
        args: List[str] = ["provision"]
        if catalog is not None:
            args += ["--catalog", str(catalog)]
        if now is not None:
            args += ["--now", now]
        done = self.run([*args, str(snapshot)])
        assert done.returncode == 0, done.stderr
        assert done.stdout.endswith("\n")
        return done.stdout[:-1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """With KS_NO_SKIP set (as ci.sh does), a skipped test fails: CI has every extra."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("KS_NO_SKIP") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, but KS_NO_SKIP is set: {report.longrepr}"


@pytest.fixture(scope="session")
def cli() -> Cli:
    path = _find_cli()
    if path is None or not path.is_file():
        message = (
            "karpenter-solver CLI not found: build it with `cargo build -p karpenter-solver` "
            "or set KS_CLI"
        )
        pytest.skip(message)
    return Cli(path)


def pod(
    name: str,
    cpu: str = "500m",
    memory: str = "1Gi",
    namespace: str = "default",
    **spec: Any,
) -> Dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "containers": [
                {"name": "app", "resources": {"requests": {"cpu": cpu, "memory": memory}}}
            ],
            **spec,
        },
    }


NODE_POOL: Dict[str, Any] = {
    "apiVersion": "karpenter.sh/v1",
    "kind": "NodePool",
    "metadata": {"name": "default"},
    "spec": {
        "template": {
            "spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                 "name": "default"},
                "requirements": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                ],
            }
        }
    },
}

CATALOG_YAML = """\
- name: m5.large
  capacity: {cpu: "2", memory: 7577Mi, pods: "29"}
  overhead: {cpu: 70m, memory: 674Mi}
  labels: {kubernetes.io/arch: amd64, kubernetes.io/os: linux}
  offerings:
    - {zone: us-east-1a, capacityType: on-demand, price: 0.096}
    - {zone: us-east-1a, capacityType: spot, price: 0.035}
- name: m5.xlarge
  capacity: {cpu: "4", memory: 15155Mi, pods: "58"}
  overhead: {cpu: 80m, memory: 1017Mi}
  labels: {kubernetes.io/arch: amd64, kubernetes.io/os: linux}
  offerings:
    - {zone: us-east-1a, capacityType: on-demand, price: 0.192}
"""


@pytest.fixture()
def small_snapshot() -> Dict[str, Any]:
    """A pool and three pending pods, one too big for anything."""
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [NODE_POOL, pod("web-1"), pod("web-2", cpu="1500m"), pod("huge", cpu="500")],
    }
