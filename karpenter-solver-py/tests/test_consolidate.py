"""consolidate(): inputs, the ConsolidationPlan result, errors and threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest

import karpenter_solver as ks

from conftest import CATALOG_YAML, CONSOLIDATE_NOW, CONSOLIDATE_YAML, EXAMPLE, NODE_POOL, pod


@pytest.fixture(scope="module")
def plan() -> ks.ConsolidationPlan:
    return ks.consolidate(CONSOLIDATE_YAML, now=CONSOLIDATE_NOW)


@pytest.fixture(scope="module")
def empty() -> ks.ConsolidationPlan:
    return ks.consolidate(b"items: []")


def test_empty_snapshot() -> None:
    plan = ks.consolidate(b"items: []")
    # The library sums no savings as -0.0 (Rust's empty f64 sum), so the sign is not pinned
    # here; parity with the CLI is test_cli_parity's.
    assert plan.to_dict() == {
        "commands": [], "blocked": [], "savingsPerHour": 0.0, "lowerBound": 0.0
    }
    assert plan.commands == () and plan.blocked == () and plan.warnings == ()
    assert plan.savings_per_hour == 0.0 and plan.lower_bound == 0.0
    assert repr(plan).startswith("ConsolidationPlan(commands=0, nodes=0, blocked=0, ")


def test_attributes_mirror_json(plan: ks.ConsolidationPlan) -> None:
    data = plan.to_dict()
    assert data == json.loads(plan.to_json())
    assert plan.to_dict() is not plan.to_dict()
    assert len(plan.commands) == len(data["commands"]) >= 2
    for command, raw in zip(plan.commands, data["commands"]):
        assert isinstance(command, ks.Command)
        assert command.reason == raw["reason"]
        assert list(command.nodes) == raw["nodes"]
        assert command.savings_per_hour == raw["savingsPerHour"]
        assert [(m.pod, m.to) for m in command.pod_moves] == [
            (m["pod"], m["to"]) for m in raw["podMoves"]
        ]
        assert all(isinstance(m, ks.PodMove) for m in command.pod_moves)
        for claim, r in zip(command.replacements, raw["replacements"]):
            assert isinstance(claim, ks.NodeClaim)
            assert claim.name == r["name"] and claim.node_pool == r["nodePool"]
            assert list(claim.instance_types) == r["instanceTypes"]
            assert claim.price == r["price"] and dict(claim.requests) == r["requests"]
            assert list(claim.pods) == r["pods"] and claim.manifest == r["manifest"]
    assert [(b.node, b.reason) for b in plan.blocked] == [
        (b["node"], b["reason"]) for b in data["blocked"]
    ]
    assert all(isinstance(b, ks.Blocked) for b in plan.blocked)
    assert plan.savings_per_hour == data["savingsPerHour"]
    assert plan.lower_bound == data["lowerBound"]
    assert plan.savings_per_hour == pytest.approx(sum(c.savings_per_hour for c in plan.commands))

    # What the inline snapshot is built to show.
    empty = plan.commands[0]
    assert (empty.reason, empty.nodes, empty.replacements, empty.pod_moves) == (
        "Empty", ("idle-1",), (), ()
    )
    replaced = next(c for c in plan.commands if c.replacements)
    assert replaced.reason == "Underutilized" and replaced.replacements[0].pods == ("default/etl-0",)
    moved = next(c for c in plan.commands if c.reason == "Underutilized" and not c.replacements)
    assert [(m.pod, m.to) for m in moved.pod_moves] == [("default/web-0", "big-2")]
    blocked = {b.node: b.reason for b in plan.blocked}
    assert "do-not-disrupt" in blocked["pinned-1"]
    assert repr(plan).startswith(f"ConsolidationPlan(commands={len(plan.commands)}, ")
    assert plan.catalog is not None and len(plan.catalog) > 0


def test_input_forms_agree(plan: ks.ConsolidationPlan, tmp_path: Any) -> None:
    import yaml

    path = tmp_path / "snapshot.yaml"
    path.write_text(CONSOLIDATE_YAML)
    items: List[Dict[str, Any]] = yaml.safe_load(CONSOLIDATE_YAML)["items"]
    # PyYAML makes datetimes of unquoted timestamps; these are quoted, so they stay text.
    at = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    expected = plan.to_json()
    for source in (
        path, str(path), CONSOLIDATE_YAML, CONSOLIDATE_YAML.encode(),
        {"kind": "List", "items": items}, items, ks.load_snapshot(path),
    ):
        assert ks.consolidate(source, now=at).to_json() == expected, type(source)
    assert ks.consolidate(path, None, now=CONSOLIDATE_NOW).to_json() == expected
    assert ks.consolidate(path, ks.Catalog.aws_default(), now=at).to_json() == expected
    small = ks.consolidate(path, CATALOG_YAML, now=at)
    assert small.to_json() == ks.consolidate(path, ks.load_catalog(CATALOG_YAML), now=at).to_json()


def test_warnings() -> None:
    snapshot = CONSOLIDATE_YAML + "- {apiVersion: v1, kind: Service, metadata: {name: web}}\n"
    assert "ignoring 1 object of kind Service" in ks.consolidate(snapshot).warnings


def test_commands_frame(plan: ks.ConsolidationPlan, empty: ks.ConsolidationPlan) -> None:
    pd = pytest.importorskip("pandas")
    columns = [
        "command", "reason", "nodes", "node_count", "replacement_count", "pod_move_count",
        "replacement_types", "replacement_price", "savings_per_hour",
    ]
    for p in (plan, empty):
        frame = p.to_pandas()
        assert list(frame.columns) == columns
        assert len(frame) == len(p.commands)
        assert frame["reason"].dtype == "string"
        for column in ("command", "node_count", "replacement_count", "pod_move_count"):
            assert frame[column].dtype == "int64", column
        for column in ("replacement_price", "savings_per_hour"):
            assert frame[column].dtype == "float64", column
        assert pd.api.types.is_object_dtype(frame["nodes"])
    frame = plan.to_pandas()
    for (_, row), command in zip(frame.iterrows(), plan.commands):
        assert row["reason"] == command.reason
        assert row["nodes"] == list(command.nodes)
        assert row["node_count"] == len(command.nodes)
        assert row["replacement_count"] == len(command.replacements)
        assert row["pod_move_count"] == len(command.pod_moves)
        assert row["replacement_types"] == [r.instance_types[0] for r in command.replacements]
        assert row["replacement_price"] == pytest.approx(sum(r.price for r in command.replacements))
        assert row["savings_per_hour"] == command.savings_per_hour
    assert frame["savings_per_hour"].sum() == pytest.approx(plan.savings_per_hour)


def test_moves_frame(plan: ks.ConsolidationPlan, empty: ks.ConsolidationPlan) -> None:
    pytest.importorskip("pandas")
    columns = ["command", "reason", "pod", "namespace", "name", "to", "destination", "node_pool"]
    assert list(empty.moves_frame().columns) == columns
    frame = plan.moves_frame()
    assert list(frame.columns) == columns
    assert frame["command"].dtype == "int64"
    assert all(frame[c].dtype == "string" for c in columns[1:])
    assert len(frame) == sum(len(c.pod_moves) for c in plan.commands)
    api = frame[frame["pod"] == "default/etl-0"].iloc[0]
    replacement = next(r for c in plan.commands for r in c.replacements)
    assert (api["namespace"], api["name"]) == ("default", "etl-0")
    assert api["to"] == replacement.name and api["destination"] == "replacement"
    assert api["node_pool"] == "default"
    assert plan.commands[api["command"]].reason == api["reason"] == "Underutilized"
    existing = frame[frame["destination"] == "existing"]
    assert len(existing) >= 1 and existing["node_pool"].isna().all()


def test_blocked_frame(plan: ks.ConsolidationPlan, empty: ks.ConsolidationPlan) -> None:
    pytest.importorskip("pandas")
    frame = plan.blocked_frame()
    assert list(frame.columns) == ["node", "reason"]
    assert frame["node"].dtype == "string" and frame["reason"].dtype == "string"
    assert list(zip(frame["node"], frame["reason"])) == [(b.node, b.reason) for b in plan.blocked]
    assert len(empty.blocked_frame()) == 0


def test_html(plan: ks.ConsolidationPlan, empty: ks.ConsolidationPlan) -> None:
    html = plan._repr_html_()
    assert html.startswith('<div class="karpenter-solver-consolidation">')
    assert f"{plan.savings_per_hour:.4f}" in html
    for command in plan.commands:
        assert command.reason in html and f"{command.savings_per_hour:.4f}" in html
        for node in command.nodes:
            assert node in html
        for r in command.replacements:
            assert r.name in html and r.instance_types[0] in html
    for b in plan.blocked:
        assert b.node in html
    assert "do-not-disrupt" in html
    assert "<table>" in html
    assert "0 commands" in empty._repr_html_() and "0 blocked" in empty._repr_html_()


def test_html_escapes() -> None:
    snapshot = CONSOLIDATE_YAML.replace("batch-0", "x<b>")
    html = ks.consolidate(snapshot, now=CONSOLIDATE_NOW)._repr_html_()
    assert "x&lt;b&gt;" in html and "x<b>" not in html


# ---- errors: the same classes as provision ---------------------------------------------


def test_invalid_quantity_names_object_and_field() -> None:
    with pytest.raises(ks.SnapshotError) as info:
        ks.consolidate([NODE_POOL, pod("web-1", cpu="abc")])
    e = info.value
    assert (e.kind, e.namespace, e.name) == ("Pod", "default", "web-1")
    assert e.field == "spec.containers[0].resources.requests.cpu"


def test_syntax_and_document_errors() -> None:
    with pytest.raises(ks.SnapshotError) as info:
        ks.consolidate("items: [\n  {kind: Pod\n")
    assert str(info.value).startswith("snapshot: invalid YAML at line")
    assert (info.value.kind, info.value.field) == (None, None)
    with pytest.raises(ks.SnapshotError, match="snapshot: "):
        ks.consolidate("42\n")


def test_catalog_error() -> None:
    with pytest.raises(ks.CatalogError) as info:
        ks.consolidate(CONSOLIDATE_YAML, CATALOG_YAML.replace("7577Mi", "lots"))
    e = info.value
    assert (e.kind, e.name, e.field) == ("InstanceType", "m5.large", "capacity.memory")


def test_bad_now() -> None:
    with pytest.raises(ValueError, match="not an RFC 3339 time") as info:
        ks.consolidate(CONSOLIDATE_YAML, now="yesterday")
    assert not isinstance(info.value, (ks.SnapshotError, ks.CatalogError))
    with pytest.raises(ValueError, match="timezone-aware"):
        ks.consolidate(CONSOLIDATE_YAML, now=datetime(2026, 11, 23, 12))
    with pytest.raises(TypeError, match="now must be"):
        ks.consolidate(CONSOLIDATE_YAML, now=1795435200)  # type: ignore[arg-type]


def test_wrong_types() -> None:
    with pytest.raises(TypeError, match="snapshot must be"):
        ks.consolidate(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="catalog must be"):
        ks.consolidate(CONSOLIDATE_YAML, 4.2)  # type: ignore[arg-type]


# ---- threads ---------------------------------------------------------------------------


def test_threaded_calls_agree() -> None:
    snapshot = ks.load_snapshot(CONSOLIDATE_YAML)
    inputs: List[Any] = [CONSOLIDATE_YAML, snapshot, EXAMPLE] * 4
    serial = [ks.consolidate(i, now=CONSOLIDATE_NOW).to_json() for i in inputs]
    catalog = ks.Catalog.aws_default()
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(
            pool.map(lambda i: ks.consolidate(i, catalog, now=CONSOLIDATE_NOW).to_json(), inputs)
        )
        # Both verbs at once, sharing the parsed snapshot and catalog.
        mixed = list(
            pool.map(
                lambda n: (ks.provision if n % 2 else ks.consolidate)(snapshot, catalog).to_json(),
                range(8),
            )
        )
        errors = list(
            pool.map(
                lambda _: pytest.raises(ks.SnapshotError, ks.consolidate, [pod("x", cpu="?")]),
                range(8),
            )
        )
    assert threaded == serial
    assert mixed[0::2] == [ks.consolidate(snapshot).to_json()] * 4
    assert mixed[1::2] == [ks.provision(snapshot).to_json()] * 4
    assert all(e.value.name == "x" for e in errors)
