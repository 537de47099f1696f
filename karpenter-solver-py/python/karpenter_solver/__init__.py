"""Karpenter's node provisioning and consolidation decisions for a Kubernetes cluster snapshot.

>>> import karpenter_solver as ks
>>> plan = ks.provision("snapshot.yaml")            # doctest: +SKIP
>>> plan.total_price, [c.instance_types[0] for c in plan.node_claims]  # doctest: +SKIP
>>> cplan = ks.consolidate("snapshot.yaml")         # doctest: +SKIP
>>> cplan.savings_per_hour, [(c.reason, c.nodes) for c in cplan.commands]  # doctest: +SKIP

A snapshot or catalog may be a path, YAML or JSON text or bytes, a dict, or a list of dicts or
``kubernetes`` client objects (see :data:`Source`). Parse a catalog once with
:func:`load_catalog` to reuse it; ``catalog=None`` is the embedded EC2 catalog.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Union

from ._inputs import Source, SupportsToDict, catalog_from, now_text, snapshot_from
from ._karpenter_solver import (
    Catalog,
    CatalogError,
    Snapshot,
    SnapshotError,
    SolverPanic,
)
from ._karpenter_solver import consolidate as _consolidate
from ._karpenter_solver import provision as _provision
from ._plan import (
    Blocked,
    Command,
    ConsolidationPlan,
    ExistingNode,
    NodeClaim,
    Plan,
    PodMove,
    Relaxation,
    Unschedulable,
)

__all__ = [
    "Blocked",
    "Catalog",
    "CatalogError",
    "Command",
    "ConsolidationPlan",
    "ExistingNode",
    "NodeClaim",
    "Plan",
    "PodMove",
    "Relaxation",
    "Snapshot",
    "SnapshotError",
    "SolverPanic",
    "Source",
    "SupportsToDict",
    "Unschedulable",
    "consolidate",
    "load_catalog",
    "load_snapshot",
    "provision",
]


def load_snapshot(source: Union[Snapshot, Source]) -> Snapshot:
    """Parses a snapshot once, to solve it more than once.

    Raises :class:`SnapshotError` for invalid input and :class:`TypeError` for a ``source``
    of another type.
    """
    return snapshot_from(source)


def load_catalog(source: Union[Catalog, Source]) -> Catalog:
    """Parses an instance-type catalog once, to reuse it across solves.

    Raises :class:`CatalogError` for invalid input and :class:`TypeError` for a ``source``
    of another type.
    """
    return catalog_from(source)


def provision(
    snapshot: Union[Snapshot, Source],
    catalog: Optional[Union[Catalog, Source]] = None,
    *,
    now: Optional[Union[_dt.datetime, str]] = None,
) -> Plan:
    """Places the snapshot's pending pods: on existing nodes first, then on new node claims.

    ``catalog=None`` uses the embedded EC2 catalog. ``now`` (a timezone-aware datetime or an
    RFC 3339 string) fixes the clock so runs are reproducible. The solve releases the GIL.

    Raises :class:`SnapshotError` or :class:`CatalogError` for invalid input,
    :class:`ValueError` for an invalid ``now`` and :class:`TypeError` for arguments of the
    wrong type.
    """
    parsed_snapshot = snapshot_from(snapshot)
    parsed_catalog = Catalog.aws_default() if catalog is None else catalog_from(catalog)
    json_text, warnings = _provision(parsed_snapshot, parsed_catalog, now=now_text(now))
    return Plan(json_text, warnings, parsed_catalog)


def consolidate(
    snapshot: Union[Snapshot, Source],
    catalog: Optional[Union[Catalog, Source]] = None,
    *,
    now: Optional[Union[_dt.datetime, str]] = None,
) -> ConsolidationPlan:
    """Decides which nodes to remove or replace to cut cost, within every disruption budget.

    Takes the same arguments as :func:`provision`. ``now`` fixes the clock for budget
    schedules, expiry and ``consolidateAfter``; without it the newest timestamp in the
    snapshot stands in for the clock, so the answer stays deterministic. The solve releases
    the GIL.

    Raises :class:`SnapshotError` or :class:`CatalogError` for invalid input,
    :class:`ValueError` for an invalid ``now`` and :class:`TypeError` for arguments of the
    wrong type.
    """
    parsed_snapshot = snapshot_from(snapshot)
    parsed_catalog = Catalog.aws_default() if catalog is None else catalog_from(catalog)
    json_text, warnings = _consolidate(parsed_snapshot, parsed_catalog, now=now_text(now))
    return ConsolidationPlan(json_text, warnings, parsed_catalog)
