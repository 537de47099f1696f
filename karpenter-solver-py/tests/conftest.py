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
        return self.solve("provision", snapshot, catalog, now)

    def consolidate(
        self, snapshot: Path, catalog: Optional[Path] = None, now: Optional[str] = None
    ) -> str:
        return self.solve("consolidate", snapshot, catalog, now)

    def solve(
        self, verb: str, snapshot: Path, catalog: Optional[Path] = None, now: Optional[str] = None
    ) -> str:
        """What `karpenter-solver VERB` prints, less its final newline; it must succeed."""
        args: List[str] = [verb]
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


def _node(name: str, instance_type: str, cpu: str, memory: str, pods: str) -> str:
    return f"""\
- apiVersion: v1
  kind: Node
  metadata:
    name: {name}
    creationTimestamp: "2026-11-01T00:00:00Z"
    labels: {{karpenter.sh/nodepool: default, node.kubernetes.io/instance-type: {instance_type},
             topology.kubernetes.io/zone: us-east-1a, karpenter.sh/capacity-type: on-demand,
             kubernetes.io/arch: amd64}}
  status: {{allocatable: {{cpu: {cpu}, memory: {memory}, pods: "{pods}"}}}}
"""


def _bound_pod(name: str, node: str, cpu: str, memory: str, app: str, extra: str = "") -> str:
    return f"""\
- apiVersion: v1
  kind: Pod
  metadata: {{name: {name}, namespace: default, labels: {{app: {app}}}{extra}}}
  spec: {{nodeName: {node}, containers: [{{name: app, resources: {{requests: {{cpu: {cpu}, memory: {memory}}}}}}}]}}
  status: {{phase: Running}}
"""


CONSOLIDATE_NOW = "2026-11-23T12:00:00Z"

CONSOLIDATE_YAML = (
    """\
apiVersion: v1
kind: List
items:
- apiVersion: karpenter.sh/v1
  kind: NodePool
  metadata: {name: default}
  spec:
    template:
      spec:
        nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
        requirements:
        - {key: kubernetes.io/arch, operator: In, values: [amd64]}
    disruption:
      consolidationPolicy: WhenEmptyOrUnderutilized
      consolidateAfter: 0s
      budgets: [{nodes: "100%"}]
- apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata: {name: web, namespace: default}
  spec: {selector: {matchLabels: {app: web}}, maxUnavailable: 1}
"""
    + _node("big-1", "m5.xlarge", "3920m", "14162Mi", "58")
    + _node("big-2", "m5.2xlarge", "7910m", "28780Mi", "58")
    + _node("small-1", "m5.large", "1930m", "6903Mi", "29")
    + _node("idle-1", "m5.large", "1930m", "6903Mi", "29")
    + _node("pinned-1", "m5.large", "1930m", "6903Mi", "29")
    + _node("lonely-1", "m5.4xlarge", "15890m", "57632Mi", "234")
    + _bound_pod("web-0", "big-1", "500m", "1Gi", "web")
    + _bound_pod("web-1", "small-1", "500m", "1Gi", "web")
    + _bound_pod("api-0", "big-2", '"3"', "6Gi", "api")
    + _bound_pod("etl-0", "lonely-1", '"6"', "8Gi", "etl")
    + _bound_pod(
        "batch-0", "pinned-1", "200m", "256Mi", "batch",
        ", annotations: {karpenter.sh/do-not-disrupt: \"true\"}",
    )
)
"""Six nodes of one pool at CONSOLIDATE_NOW: one empty, two underutilized whose pods move to
big-2, one (lonely-1) replaced by a cheaper type since its pod fits no other node, one pinned by
do-not-disrupt, and big-2, which receives pods and so stays.
Its plan has every part of contract section 4: Empty and Underutilized commands, a replacement,
moves to an existing node and to the replacement, and blocked nodes with reasons."""
