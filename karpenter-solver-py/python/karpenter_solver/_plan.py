"""The results of provision and consolidate: attribute access over the library's JSON, which
stays the truth."""

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


def _node_claim(c: Mapping[str, Any]) -> NodeClaim:
    return NodeClaim(
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


class _Solved:
    """What both plans keep: the library's JSON, which stays the truth, and the catalog."""

    def __init__(self, json_text: str, catalog: Catalog) -> None:
        self._json = json_text
        self._catalog = catalog

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


class Plan(_Solved):
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
        super().__init__(json_text, catalog)
        data = json.loads(json_text)
        self.node_claims = tuple(_node_claim(c) for c in data["nodeClaims"])
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



@dataclass(frozen=True)
class PodMove:
    """A pod a consolidation command evicts, and where it lands."""

    pod: str
    """As ``namespace/name``."""
    to: str
    """The existing node or replacement claim (by name) it lands on."""


@dataclass(frozen=True)
class Command:
    """One consolidation action, as in the contract's ``commands[]``: nodes to remove and,
    possibly, cheaper replacements to launch first."""

    reason: str
    """``Empty``, ``Underutilized``, ``Drifted`` or ``Expired``."""
    nodes: Tuple[str, ...]
    """The nodes removed, by name."""
    replacements: Tuple[NodeClaim, ...]
    """Claims launched to hold the moved pods (only types cheaper than what they replace)."""
    pod_moves: Tuple[PodMove, ...]
    """Where each evicted pod goes; daemonset pods are not moved."""
    savings_per_hour: float
    """Price of the removed nodes minus price of the replacements."""


@dataclass(frozen=True)
class Blocked:
    """A node consolidation held back, and why."""

    node: str
    reason: str


class ConsolidationPlan(_Solved):
    """What :func:`karpenter_solver.consolidate` decided.

    Attributes mirror the contract's JSON (section 4) in snake_case; :meth:`to_json` is that
    JSON byte for byte, as ``karpenter-solver consolidate`` prints it (without the trailing
    newline).
    """

    commands: Tuple[Command, ...]
    """To be carried out together."""
    blocked: Tuple[Blocked, ...]
    """Candidates held back, with the reason."""
    savings_per_hour: float
    """Total savings of the commands."""
    lower_bound: float
    """A floor, per hour, on the price of the whole managed cluster after any consolidation."""
    warnings: Tuple[str, ...]
    """What the solver passed over (ignored kinds, pods bound to unknown nodes)."""

    def __init__(self, json_text: str, warnings: Sequence[str], catalog: Catalog) -> None:
        super().__init__(json_text, catalog)
        data = json.loads(json_text)
        self.commands = tuple(
            Command(
                reason=c["reason"],
                nodes=tuple(c["nodes"]),
                replacements=tuple(_node_claim(r) for r in c["replacements"]),
                pod_moves=tuple(PodMove(pod=m["pod"], to=m["to"]) for m in c["podMoves"]),
                savings_per_hour=float(c["savingsPerHour"]),
            )
            for c in data["commands"]
        )
        self.blocked = tuple(Blocked(node=b["node"], reason=b["reason"]) for b in data["blocked"])
        self.savings_per_hour = float(data["savingsPerHour"])
        self.lower_bound = float(data.get("lowerBound", 0.0))
        self.warnings = tuple(warnings)

    def to_pandas(self) -> pandas.DataFrame:
        """One row per command.

        Columns: ``command`` (int64, the index in :attr:`commands`), ``reason`` (``string``),
        ``nodes`` (list, object dtype), ``node_count``, ``replacement_count``,
        ``pod_move_count`` (int64), ``replacement_types`` (the cheapest instance type of each
        replacement, list), ``replacement_price`` and ``savings_per_hour`` (float64, per hour).
        Needs the ``pandas`` extra. See :meth:`moves_frame` for one row per pod move and
        :meth:`blocked_frame` for the nodes held back.
        """
        return _display.commands_frame(self)

    def moves_frame(self) -> pandas.DataFrame:
        """One row per pod move.

        Columns: ``command`` (int64, the index in :attr:`commands`), then ``reason``, ``pod``
        (``namespace/name``), ``namespace``, ``name``, ``to`` (the node or claim it lands on),
        ``destination`` (``existing`` or ``replacement``) and ``node_pool`` (the
        replacement's; missing for an existing node), all of ``string`` dtype, missing values
        ``<NA>``. Needs the ``pandas`` extra.
        """
        return _display.moves_frame(self)

    def blocked_frame(self) -> pandas.DataFrame:
        """One row per node held back: ``node`` and ``reason``, of ``string`` dtype. Needs the
        ``pandas`` extra."""
        return _display.blocked_frame(self)

    def _repr_html_(self) -> str:
        return _display.consolidation_html(self)

    def __repr__(self) -> str:
        return (
            f"ConsolidationPlan(commands={len(self.commands)}, "
            f"nodes={sum(len(c.nodes) for c in self.commands)}, "
            f"blocked={len(self.blocked)}, "
            f"savings_per_hour={self.savings_per_hour!r}, lower_bound={self.lower_bound!r})"
        )
