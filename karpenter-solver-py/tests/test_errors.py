"""Invalid input raises SnapshotError or CatalogError naming the object and field at fault."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import karpenter_solver as ks

from conftest import CATALOG_YAML, NODE_POOL, pod


def test_invalid_quantity_names_object_and_field() -> None:
    with pytest.raises(ks.SnapshotError) as info:
        ks.provision([NODE_POOL, pod("web-1", cpu="abc")])
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.kind, e.namespace, e.name) == ("Pod", "default", "web-1")
    assert e.field == "spec.containers[0].resources.requests.cpu"
    assert str(e).startswith(
        'Pod/default/web-1, spec.containers[0].resources.requests.cpu: invalid quantity "abc"'
    )


def test_cluster_scoped_object_has_no_namespace() -> None:
    pool: Dict[str, Any] = {
        **NODE_POOL,
        "spec": {"template": {"spec": {"requirements": [
            {"key": "kubernetes.io/arch", "operator": "Sometimes", "values": ["amd64"]}
        ]}}},
    }
    with pytest.raises(ks.SnapshotError) as info:
        ks.provision([pool])
    e = info.value
    assert (e.kind, e.namespace, e.name) == ("NodePool", None, "default")
    assert e.field is not None and "requirements" in e.field
    assert "unknown operator" in str(e)


def test_snapshot_syntax_error_has_no_object() -> None:
    with pytest.raises(ks.SnapshotError) as info:
        ks.provision("items: [\n  {kind: Pod\n")
    e = info.value
    assert str(e).startswith("snapshot: invalid YAML at line")
    assert (e.kind, e.namespace, e.name, e.field) == (None, None, None, None)
    with pytest.raises(ks.SnapshotError, match="snapshot: invalid JSON"):
        ks.load_snapshot(b'{"items": [}')


def test_snapshot_document_error() -> None:
    with pytest.raises(ks.SnapshotError) as info:
        ks.provision("42\n")
    assert str(info.value).startswith("snapshot: ")
    assert info.value.kind is None


def test_catalog_errors() -> None:
    with pytest.raises(ks.CatalogError) as info:
        ks.load_catalog(CATALOG_YAML.replace("7577Mi", "lots"))
    e = info.value
    assert isinstance(e, ValueError) and not isinstance(e, ks.SnapshotError)
    assert (e.kind, e.namespace, e.name) == ("InstanceType", None, "m5.large")
    assert e.field == "capacity.memory"
    with pytest.raises(ks.CatalogError) as syntax:
        ks.provision([pod("a")], "- name: [m5\n")
    assert str(syntax.value).startswith("catalog: invalid YAML")
    assert syntax.value.name is None


def test_error_attributes_exist_on_classes() -> None:
    for cls in (ks.SnapshotError, ks.CatalogError):
        assert issubclass(cls, ValueError)
        assert (cls.kind, cls.namespace, cls.name, cls.field) == (None, None, None, None)
    assert ks.SnapshotError.__module__ == "karpenter_solver"


def test_panic_becomes_solver_panic() -> None:
    with pytest.raises(ks.SolverPanic, match="panicked in _panic_for_tests: deliberate panic"):
        ks._karpenter_solver._panic_for_tests()
    assert issubclass(ks.SolverPanic, RuntimeError)
