"""Turning what a caller has (paths, text, dicts, Kubernetes client objects) into documents."""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from typing import Any, Callable, Iterable, List, Mapping, Protocol, Sequence, Union

from ._karpenter_solver import Catalog, Snapshot


class SupportsToDict(Protocol):
    """An object of the official ``kubernetes`` client, or anything else with ``to_dict()``."""

    def to_dict(self) -> Any: ...


Source = Union[
    str,
    bytes,
    bytearray,
    memoryview,
    os.PathLike[str],
    Mapping[str, Any],
    Sequence[Union[Mapping[str, Any], SupportsToDict]],
    SupportsToDict,
]
"""A snapshot or catalog as a caller has it.

* ``pathlib.Path`` or ``os.PathLike``: a file to read.
* ``str``: YAML or JSON text when it holds a newline or starts with ``{``, ``[`` or ``---``
  (or is blank); otherwise a path.
* ``bytes``, ``bytearray``, ``memoryview``: YAML or JSON text.
* a ``dict``: one document (a snapshot's ``kind: List``, a catalog's ``{"items": [...]}``).
* a ``list`` or ``tuple`` of dicts or Kubernetes client objects: a snapshot's objects, or a
  catalog's instance types.
* an object with ``to_dict()``, such as a ``V1PodList`` from the ``kubernetes`` client.
"""


def snapshot_from(source: Snapshot | Source) -> Snapshot:
    if isinstance(source, Snapshot):
        return source
    return Snapshot.from_bytes(_document(source, "snapshot", _as_list_kind))


def catalog_from(source: Catalog | Source) -> Catalog:
    if isinstance(source, Catalog):
        return source
    return Catalog.from_bytes(_document(source, "catalog", _as_plain_list))


def now_text(now: _dt.datetime | str | None) -> str | None:
    """``now`` as RFC 3339 text: a timezone-aware datetime (in UTC) or text as given."""
    if now is None or isinstance(now, str):
        return now
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(
                "now must be a timezone-aware datetime, such as "
                "datetime.now(timezone.utc); a naive datetime has no defined instant"
            )
        return now.astimezone(_dt.timezone.utc).isoformat()
    raise TypeError(
        "now must be a timezone-aware datetime.datetime or an RFC 3339 string, "
        f"not {type(now).__name__}"
    )


def _document(
    source: object, what: str, from_objects: Callable[[List[Any]], Any]
) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, str):
        if _looks_like_text(source):
            return source.encode()
        return _read(source)
    if isinstance(source, os.PathLike):
        return _read(source)
    if isinstance(source, Mapping):
        return _dump(source)
    if isinstance(source, (list, tuple)):
        return _dump(from_objects(list(_flatten(source, what))))
    if callable(getattr(source, "to_dict", None)):
        return _dump(from_objects(list(_flatten([source], what))))
    raise TypeError(
        f"{what} must be a path, YAML or JSON text or bytes, a dict, or a list of dicts or "
        f"Kubernetes client objects, not {type(source).__name__}"
    )


def _looks_like_text(text: str) -> bool:
    stripped = text.lstrip()
    return "\n" in text or not stripped or stripped.startswith(("{", "[", "---"))


def _read(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _as_list_kind(items: List[Any]) -> Any:
    return {"apiVersion": "v1", "kind": "List", "items": items}


def _as_plain_list(items: List[Any]) -> Any:
    return items


def _dump(value: Any) -> bytes:
    return json.dumps(value, default=_json_default).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# `V1Pod` -> `Pod`, `V1beta1PodDisruptionBudget` -> `PodDisruptionBudget`.
_MODEL_CLASS = re.compile(r"^V\d+(?:alpha\d+|beta\d+)?([A-Z]\w*)$")


def _flatten(objects: Iterable[Any], what: str) -> Iterable[Any]:
    """Each object as a dict; a client list object (``V1PodList``) becomes its items."""
    for obj in objects:
        if isinstance(obj, Mapping):
            yield obj
            continue
        if not callable(getattr(obj, "to_dict", None)):
            raise TypeError(
                f"{what} items must be dicts or objects with to_dict(), "
                f"not {type(obj).__name__}"
            )
        items = getattr(obj, "items", None)
        if isinstance(items, list):
            yield from _flatten(items, what)
            continue
        data = _serialize(obj)
        if isinstance(data, dict) and not data.get("kind"):
            # The API server leaves kind out of the items of a list it returns.
            match = _MODEL_CLASS.match(type(obj).__name__)
            if match:
                data["kind"] = match.group(1)
        yield data


def _serialize(obj: SupportsToDict) -> Any:
    # The kubernetes client's to_dict() uses Python attribute names (snake_case); its
    # sanitize_for_serialization writes the API's camelCase names, as the solver reads them.
    if type(obj).__module__.startswith("kubernetes."):
        client = _kubernetes_api_client()
        if client is not None:
            return client.sanitize_for_serialization(obj)
    return obj.to_dict()


_api_client: List[Any] = []


def _kubernetes_api_client() -> Any:
    if not _api_client:
        try:
            from kubernetes.client import ApiClient
        except ImportError:
            return None
        _api_client.append(ApiClient())
    return _api_client[0]
