"""The result of provision: attribute access over the library's JSON, which stays the truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Mapping, Sequence, Tuple

from . import _display
from ._karpenter_solver import Catalog

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class NodeClaim:
    """A node to launch, as in the contract's ``nodeClaims[]``."""

    name: str
    node_pool: str
    instance_types: Tuple[str, ...]
    """Every type that fits, cheapest launchable offering first."""
    zones: Tuple[str, ...]
    capacity_types: Tuple[str, ...]
    price: float
    """Per hour, of the cheapest launchable offering."""
    requests: Mapping[str, str]
    """Pods' requests plus daemonset overhead, as Kubernetes quantities."""
    pods: Tuple[str, ...]
    """As ``namespace/name``."""
    manifest: Mapping[str, Any] = field(repr=False)
    """A ``karpenter.sh/v1`` NodeClaim a controller could apply."""


@dataclass(frozen=True)
class ExistingNode:
    """Pods placed on a node or in-flight NodeClaim that already exists."""

    name: str
    pods: Tuple[str, ...]


@dataclass(frozen=True)
class Unschedulable:
    """A pod that fits nowhere, and why."""

    pod: str
    reason: str


@dataclass(frozen=True)
class Relaxation:
    """A pod placed only after a preference was dropped."""

    pod: str
    preference: str


class Plan:
    """What :func:`karpenter_solver.provision` decided.

    Attributes mirror the contract's JSON in snake_case; :meth:`to_json` is that JSON byte for
    byte, as ``karpenter-solver provision`` prints it (without the trailing newline).
    """

    node_claims: Tuple[NodeClaim, ...]
    existing_nodes: Tuple[ExistingNode, ...]
    unschedulable: Tuple[Unschedulable, ...]
    relaxed: Tuple[Relaxation, ...]
    total_price: float
    """Sum of the new claims' prices, per hour."""
    lower_bound: float
    """A floor, per hour, on the price of any new nodes holding the pods placed on new nodes."""
    warnings: Tuple[str, ...]
    """What the solver passed over (ignored kinds, pods bound to unknown nodes)."""

    def __init__(self, json_text: str, warnings: Sequence[str], catalog: Catalog) -> None:
        self._json = json_text
        self._catalog = catalog
        data = json.loads(json_text)
        self.node_claims = tuple(
            NodeClaim(
                name=c["name"],
                node_pool=c["nodePool"],
                instance_types=tuple(c["instanceTypes"]),
                zones=tuple(c["zones"]),
                capacity_types=tuple(c["capacityTypes"]),
                price=float(c["price"]),
                requests=dict(c["requests"]),
                pods=tuple(c["pods"]),
                manifest=c["manifest"],
            )
            for c in data["nodeClaims"]
        )
        self.existing_nodes = tuple(
            ExistingNode(name=n["name"], pods=tuple(n["pods"])) for n in data["existingNodes"]
        )
        self.unschedulable = tuple(
            Unschedulable(pod=u["pod"], reason=u["reason"]) for u in data["unschedulable"]
        )
        self.relaxed = tuple(
            Relaxation(pod=r["pod"], preference=r["preference"]) for r in data.get("relaxed", [])
        )
        self.total_price = float(data["totalPrice"])
        self.lower_bound = float(data.get("lowerBound", 0.0))
        self.warnings = tuple(warnings)

    @property
    def catalog(self) -> Catalog:
        """The catalog the plan was solved against."""
        return self._catalog

    def to_json(self) -> str:
        """The contract's JSON, byte for byte the command line's output."""
        return self._json

    def to_dict(self) -> Dict[str, Any]:
        """The contract's JSON as a fresh dict, keys in camelCase."""
        result: Dict[str, Any] = json.loads(self._json)
        return result

    def allocatable(self, claim: NodeClaim) -> Dict[str, str]:
        """What pods can use on ``claim``'s first (cheapest) instance type, as quantities."""
        if not claim.instance_types:
            return {}
        return self._catalog.allocatable(claim.instance_types[0]) or {}

    def to_pandas(self) -> pandas.DataFrame:
        """One row per new node claim.

        Columns: ``name``, ``node_pool``, ``instance_type`` (the first, cheapest; ``string``
        dtype), ``price`` (float64, per hour), ``pod_count`` (int64), ``instance_types``,
        ``zones``, ``capacity_types`` (lists, object dtype), then ``requests.<resource>`` for
        every resource requested: float64 cores for ``cpu``, int64 base units (bytes, pods,
        devices) for the rest. Needs the ``pandas`` extra. See :meth:`pods_frame` for one row
        per pod.
        """
        return _display.claims_frame(self)

    def pods_frame(self) -> pandas.DataFrame:
        """One row per pod the plan names.

        Columns: ``pod`` (``namespace/name``), ``namespace``, ``name``, ``placement``
        (``new``, ``existing`` or ``unschedulable``), ``node`` (the claim or node; missing when
        unschedulable), ``node_pool`` (for new claims), ``reason`` (why unschedulable) and
        ``relaxed`` (the preference dropped to place it), all of ``string`` dtype, missing
        values ``<NA>``. Needs the ``pandas`` extra.
        """
        return _display.pods_frame(self)

    def plot(self, resources: Sequence[str] = ("cpu", "memory")) -> Figure:
        """Requested against allocatable per new node claim, one bar per claim and one panel
        per resource; allocatable is the claim's first (cheapest) instance type's. Needs the
        ``plot`` extra (matplotlib). Returns the figure.
        """
        return _display.plot(self, resources)

    def _repr_html_(self) -> str:
        return _display.html(self)

    def __repr__(self) -> str:
        return (
            f"Plan(node_claims={len(self.node_claims)}, "
            f"existing_nodes={len(self.existing_nodes)}, "
            f"unschedulable={len(self.unschedulable)}, relaxed={len(self.relaxed)}, "
            f"total_price={self.total_price!r}, lower_bound={self.lower_bound!r})"
        )

