"""Each form a snapshot, catalog and `now` may take gives the same plan."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict

import pytest

import karpenter_solver as ks

from conftest import CATALOG_YAML, EXAMPLE, NODE_POOL, pod


@pytest.fixture(scope="module")
def expected() -> str:
    return ks.provision(EXAMPLE.read_bytes()).to_json()


def _items(snapshot: Dict[str, Any]) -> Any:
    return snapshot["items"]


def test_path_forms(expected: str) -> None:
    assert ks.provision(EXAMPLE).to_json() == expected
    assert ks.provision(str(EXAMPLE)).to_json() == expected


def test_text_forms(expected: str) -> None:
    text = EXAMPLE.read_text()
    assert ks.provision(text).to_json() == expected
    assert ks.provision(bytearray(text.encode())).to_json() == expected
    assert ks.provision(memoryview(text.encode())).to_json() == expected


def test_json_text_and_dict(expected: str) -> None:
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(EXAMPLE.read_text())
    assert ks.provision(json.dumps(data)).to_json() == expected
    assert ks.provision(json.dumps(data).encode()).to_json() == expected
    assert ks.provision(data).to_json() == expected
    assert ks.provision(data["items"]).to_json() == expected
    assert ks.provision(tuple(data["items"])).to_json() == expected


def test_parsed_snapshot_is_reused(expected: str) -> None:
    snapshot = ks.load_snapshot(EXAMPLE)
    assert isinstance(snapshot, ks.Snapshot)
    assert ks.load_snapshot(snapshot) is snapshot
    assert ks.provision(snapshot).to_json() == expected
    assert ks.provision(snapshot).to_json() == expected
    assert "pods=7" in repr(snapshot)


def test_missing_path_is_file_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        ks.provision("no-such-snapshot.yaml")
    with pytest.raises(FileNotFoundError):
        ks.provision(Path("no-such-snapshot.yaml"))


def test_blank_text_is_an_empty_snapshot() -> None:
    plan = ks.provision("")
    assert plan.node_claims == () and plan.total_price == 0.0


class FakeObject:
    """Like a client object: to_dict() with the API's camelCase keys."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self._data = data

    def to_dict(self) -> Dict[str, Any]:
        return self._data


class FakeList:
    def __init__(self, items: Any) -> None:
        self.items = items

    def to_dict(self) -> Dict[str, Any]:
        return {"items": [i.to_dict() for i in self.items]}


def test_objects_with_to_dict(small_snapshot: Dict[str, Any]) -> None:
    expected = ks.provision(small_snapshot).to_json()
    objects = [FakeObject(i) for i in _items(small_snapshot)]
    assert ks.provision(objects).to_json() == expected
    assert ks.provision([objects[0], FakeList(objects[1:])]).to_json() == expected
    assert ks.provision(FakeList(objects)).to_json() == expected


def test_kubernetes_client_objects(small_snapshot: Dict[str, Any]) -> None:
    client = pytest.importorskip("kubernetes.client")
    expected = ks.provision(small_snapshot).to_json()
    api = client.ApiClient()
    pods = []
    for item in _items(small_snapshot)[1:]:
        # Build real models as the client returns them: list items carry no kind.
        pods.append(api._ApiClient__deserialize({**item, "kind": None}, "V1Pod"))
    assert pods[0].spec.containers[0].resources.requests == {"cpu": "500m", "memory": "1Gi"}
    assert ks.provision([NODE_POOL, *pods]).to_json() == expected
    pod_list = client.V1PodList(items=pods)
    assert ks.provision([NODE_POOL, pod_list]).to_json() == expected


def test_kubernetes_snake_case_fields_are_translated() -> None:
    client = pytest.importorskip("kubernetes.client")
    pending = client.V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=client.V1ObjectMeta(name="zonal", namespace="default"),
        spec=client.V1PodSpec(
            node_selector={"topology.kubernetes.io/zone": "us-east-1b"},
            containers=[
                client.V1Container(
                    name="app",
                    resources=client.V1ResourceRequirements(requests={"cpu": "1"}),
                )
            ],
        ),
    )
    plan = ks.provision([NODE_POOL, pending])
    assert plan.node_claims[0].zones == ("us-east-1b",)


def test_catalog_forms(small_snapshot: Dict[str, Any], tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG_YAML)
    expected = ks.provision(small_snapshot, CATALOG_YAML).to_json()
    assert set(json.loads(expected)["nodeClaims"][0]["instanceTypes"]) <= {"m5.large", "m5.xlarge"}
    catalog = ks.load_catalog(path)
    assert isinstance(catalog, ks.Catalog) and len(catalog) == 2
    assert ks.load_catalog(catalog) is catalog
    for form in (
        path,
        str(path),
        CATALOG_YAML.encode(),
        yaml.safe_load(CATALOG_YAML),
        {"items": yaml.safe_load(CATALOG_YAML)},
        catalog,
    ):
        assert ks.provision(small_snapshot, form).to_json() == expected


def test_default_catalog(small_snapshot: Dict[str, Any]) -> None:
    default = ks.Catalog.aws_default()
    assert len(default) > 100 and "m5.large" in default
    assert ks.provision(small_snapshot).to_json() == ks.provision(small_snapshot, default).to_json()
    assert ks.provision(small_snapshot).catalog.names == default.names


def test_now_forms(small_snapshot: Dict[str, Any]) -> None:
    text = ks.provision(small_snapshot, now="2026-11-23T12:00:00Z").to_json()
    aware = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    assert ks.provision(small_snapshot, now=aware).to_json() == text
    offset = aware.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert ks.provision(small_snapshot, now=offset).to_json() == text


def test_now_rejections(small_snapshot: Dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ks.provision(small_snapshot, now=datetime(2026, 11, 23, 12))
    with pytest.raises(ValueError, match="invalid option now"):
        ks.provision(small_snapshot, now="yesterday")
    with pytest.raises(TypeError, match="now must be"):
        ks.provision(small_snapshot, now=1_700_000_000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ks.provision(small_snapshot, None, "2026-11-23T12:00:00Z")  # type: ignore[misc]


@pytest.mark.parametrize("bad", [42, 3.5, None, object(), {1, 2}])
def test_wrong_snapshot_type(bad: Any) -> None:
    with pytest.raises(TypeError, match="snapshot must be"):
        ks.provision(bad)


def test_wrong_item_and_catalog_types(small_snapshot: Dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="snapshot items must be"):
        ks.provision([pod("a"), 42])
    with pytest.raises(TypeError, match="catalog must be"):
        ks.provision(small_snapshot, 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ks.Snapshot.from_bytes("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ks._karpenter_solver.provision(b"items: []")  # type: ignore[arg-type]
