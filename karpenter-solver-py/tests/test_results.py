"""Plan: attribute access, dicts, pandas frames, HTML and the chart."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

import karpenter_solver as ks

from conftest import EXAMPLE


@pytest.fixture(scope="module")
def plan() -> ks.Plan:
    return ks.provision(EXAMPLE)


@pytest.fixture(scope="module")
def empty() -> ks.Plan:
    return ks.provision(b"items: []")


def test_attributes_mirror_json(plan: ks.Plan) -> None:
    data = plan.to_dict()
    assert data == json.loads(plan.to_json())
    assert plan.to_dict() is not plan.to_dict()
    assert [c.name for c in plan.node_claims] == [c["name"] for c in data["nodeClaims"]]
    for claim, raw in zip(plan.node_claims, data["nodeClaims"]):
        assert claim.node_pool == raw["nodePool"]
        assert list(claim.instance_types) == raw["instanceTypes"]
        assert list(claim.zones) == raw["zones"]
        assert list(claim.capacity_types) == raw["capacityTypes"]
        assert claim.price == raw["price"]
        assert dict(claim.requests) == raw["requests"]
        assert list(claim.pods) == raw["pods"]
        assert claim.manifest == raw["manifest"]
    assert [(n.name, list(n.pods)) for n in plan.existing_nodes] == [
        (n["name"], n["pods"]) for n in data["existingNodes"]
    ]
    assert [(u.pod, u.reason) for u in plan.unschedulable] == [
        (u["pod"], u["reason"]) for u in data["unschedulable"]
    ]
    assert plan.total_price == data["totalPrice"]
    assert plan.lower_bound == data["lowerBound"]
    assert plan.unschedulable[0].pod == "default/huge-0"
    assert "Plan(node_claims=2" in repr(plan)


def test_warnings() -> None:
    snapshot = EXAMPLE.read_text() + "- {apiVersion: v1, kind: Service, metadata: {name: web}}\n"
    assert ks.load_snapshot(snapshot).warnings == ["ignoring 1 object of kind Service"]
    assert "ignoring 1 object of kind Service" in ks.provision(snapshot).warnings


def test_catalog_helpers(plan: ks.Plan) -> None:
    catalog = plan.catalog
    first = plan.node_claims[0].instance_types[0]
    assert first in catalog and "no-such-type" not in catalog
    assert catalog.allocatable("no-such-type") is None
    allocatable = catalog.allocatable(first)
    assert allocatable is not None and set(allocatable) >= {"cpu", "memory", "pods"}
    assert plan.allocatable(plan.node_claims[0]) == allocatable
    assert len(catalog.names) == len(catalog)
    again = ks.load_catalog(catalog.to_json())
    assert again.names == catalog.names
    assert ks.provision(EXAMPLE, again).to_json() == plan.to_json()


def test_claims_frame(plan: ks.Plan, empty: ks.Plan) -> None:
    pd = pytest.importorskip("pandas")
    api = pd.api.types
    for p in (plan, empty):
        frame = p.to_pandas()
        assert len(frame) == len(p.node_claims)
        assert list(frame.columns[:8]) == [
            "name", "node_pool", "instance_type", "price", "pod_count",
            "instance_types", "zones", "capacity_types",
        ]
        for column in ("name", "node_pool", "instance_type"):
            assert frame[column].dtype == "string"
        assert frame["price"].dtype == "float64"
        assert frame["pod_count"].dtype == "int64"
        assert api.is_object_dtype(frame["instance_types"])
    frame = plan.to_pandas()
    assert [c for c in frame.columns if c.startswith("requests.")] == [
        "requests.cpu", "requests.memory", "requests.pods"
    ]
    assert frame["requests.cpu"].dtype == "float64"
    assert frame["requests.memory"].dtype == "int64"
    first = plan.node_claims[0]
    row = frame.iloc[0]
    assert row["name"] == first.name and row["price"] == first.price
    assert row["pod_count"] == len(first.pods)
    assert row["requests.memory"] == ks._karpenter_solver.parse_quantity(
        "memory", first.requests["memory"]
    )
    assert row["requests.cpu"] == ks._karpenter_solver.parse_quantity(
        "cpu", first.requests["cpu"]
    ) / 1000
    assert frame["price"].sum() == pytest.approx(plan.total_price)


def test_pods_frame(plan: ks.Plan, empty: ks.Plan) -> None:
    pytest.importorskip("pandas")
    columns = ["pod", "namespace", "name", "placement", "node", "node_pool", "reason", "relaxed"]
    assert list(empty.pods_frame().columns) == columns
    frame = plan.pods_frame()
    assert list(frame.columns) == columns
    assert all(frame[c].dtype == "string" for c in columns)
    total = (
        sum(len(c.pods) for c in plan.node_claims)
        + sum(len(n.pods) for n in plan.existing_nodes)
        + len(plan.unschedulable)
    )
    assert len(frame) == total
    huge = frame[frame["pod"] == "default/huge-0"].iloc[0]
    assert huge["placement"] == "unschedulable"
    assert huge["namespace"] == "default" and huge["name"] == "huge-0"
    assert huge["reason"] == plan.unschedulable[0].reason
    new = frame[frame["placement"] == "new"]
    assert set(new["node"]) == {c.name for c in plan.node_claims}
    assert set(new["node_pool"]) == {"default"}


def test_html(plan: ks.Plan, empty: ks.Plan) -> None:
    html = plan._repr_html_()
    for claim in plan.node_claims:
        assert claim.name in html and claim.instance_types[0] in html
    assert f"{plan.total_price:.4f}" in html
    assert "default/huge-0" in html and plan.unschedulable[0].reason.split()[0] in html
    assert "<table>" in html
    assert "0 new node claims" in empty._repr_html_()


def test_html_escapes() -> None:
    snapshot: Dict[str, Any] = {"items": [{
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "x<b>", "namespace": "default"},
        "spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]},
    }]}
    html = ks.provision(snapshot)._repr_html_()
    assert "x&lt;b&gt;" in html and "x<b>" not in html


def test_plot(plan: ks.Plan, empty: ks.Plan) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plan.plot()
    axes = fig.get_axes()
    assert len(axes) == 2
    cpu = axes[0]
    assert len(cpu.patches) == 2 * len(plan.node_claims)  # allocatable and requested per claim
    assert [t.get_text() for t in cpu.get_xticklabels()] == [
        f"{c.name}\n{c.instance_types[0]}" for c in plan.node_claims
    ]
    assert cpu.get_title().startswith(f"{len(plan.node_claims)} new node claims, \\$")
    heights = [p.get_height() for p in cpu.patches]
    n = len(plan.node_claims)
    for allocatable, requested in zip(heights[:n], heights[n:]):
        assert 0 < requested <= allocatable
    plt.close(fig)
    fig = plan.plot(resources=["pods"])
    assert len(fig.get_axes()) == 1
    plt.close(fig)
    plt.close(empty.plot())
