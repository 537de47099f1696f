"""Showing a plan: pandas frames, Jupyter HTML and a matplotlib chart. Presentation only."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._karpenter_solver import parse_quantity

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ._plan import ConsolidationPlan, Plan

_SHOWN_TYPES = 3
"""Instance types listed per claim in HTML before "+N more"."""


def amount(resource: str, quantity: str) -> float:
    """A quantity in display units: cores for ``cpu``, base units otherwise."""
    value = parse_quantity(resource, quantity)
    return value / 1000 if resource == "cpu" else float(value)


def _split_pod(pod: str) -> Tuple[Optional[str], str]:
    namespace, sep, name = pod.partition("/")
    return (namespace, name) if sep else (None, pod)


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "this needs pandas: pip install 'karpenter-solver[pandas]'"
        ) from e
    return pandas


def claims_frame(plan: Plan) -> pandas.DataFrame:
    pd = _pandas()
    claims = plan.node_claims
    resources = sorted({r for c in claims for r in c.requests})
    columns: Dict[str, Any] = {
        "name": pd.Series([c.name for c in claims], dtype="string"),
        "node_pool": pd.Series([c.node_pool for c in claims], dtype="string"),
        "instance_type": pd.Series(
            [c.instance_types[0] if c.instance_types else None for c in claims], dtype="string"
        ),
        "price": pd.Series([c.price for c in claims], dtype="float64"),
        "pod_count": pd.Series([len(c.pods) for c in claims], dtype="int64"),
        "instance_types": pd.Series([list(c.instance_types) for c in claims], dtype=object),
        "zones": pd.Series([list(c.zones) for c in claims], dtype=object),
        "capacity_types": pd.Series([list(c.capacity_types) for c in claims], dtype=object),
    }
    for r in resources:
        values = [parse_quantity(r, c.requests.get(r, "0")) for c in claims]
        if r == "cpu":
            columns["requests.cpu"] = pd.Series([v / 1000 for v in values], dtype="float64")
        else:
            columns[f"requests.{r}"] = pd.Series(values, dtype="int64")
    return pd.DataFrame(columns)


def pods_frame(plan: Plan) -> pandas.DataFrame:
    pd = _pandas()
    relaxed = {r.pod: r.preference for r in plan.relaxed}
    rows: List[Tuple[str, str, Optional[str], Optional[str], Optional[str]]] = []
    for c in plan.node_claims:
        rows.extend((p, "new", c.name, c.node_pool, None) for p in c.pods)
    for n in plan.existing_nodes:
        rows.extend((p, "existing", n.name, None, None) for p in n.pods)
    rows.extend((u.pod, "unschedulable", None, None, u.reason) for u in plan.unschedulable)
    split = [_split_pod(r[0]) for r in rows]

    def column(values: Sequence[Any]) -> Any:
        return pd.Series(list(values), dtype="string")

    return pd.DataFrame(
        {
            "pod": column([r[0] for r in rows]),
            "namespace": column([s[0] for s in split]),
            "name": column([s[1] for s in split]),
            "placement": column([r[1] for r in rows]),
            "node": column([r[2] for r in rows]),
            "node_pool": column([r[3] for r in rows]),
            "reason": column([r[4] for r in rows]),
            "relaxed": column([relaxed.get(r[0]) for r in rows]),
        }
    )


def _unit(resource: str) -> Tuple[str, float]:
    if resource == "cpu":
        return "cores", 1.0
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        return "GiB", float(1 << 30)
    return "", 1.0


def plot(plan: Plan, resources: Sequence[str]) -> Figure:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "plotting needs matplotlib: pip install 'karpenter-solver[plot]'"
        ) from e
    claims = plan.node_claims
    width = max(6.0, 0.6 * len(claims) + 2.0)
    fig, axes = plt.subplots(
        len(resources), 1, figsize=(width, 2.8 * len(resources)), squeeze=False
    )
    names = [f"{c.name}\n{c.instance_types[0] if c.instance_types else ''}" for c in claims]
    allocatable = [plan.allocatable(c) for c in claims]
    for ax, resource in zip(axes[:, 0], resources):
        unit, scale = _unit(resource)
        requested = [amount(resource, c.requests.get(resource, "0")) / scale for c in claims]
        capacity = [
            amount(resource, a[resource]) / scale if resource in a else float("nan")
            for a in allocatable
        ]
        x = range(len(claims))
        ax.bar(x, capacity, width=0.7, color="#dde6f0", edgecolor="#5b7fa6", label="allocatable")
        ax.bar(x, requested, width=0.45, color="#2f6db3", label="requested")
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(f"{resource} ({unit})" if unit else resource)
        ax.grid(axis="y", alpha=0.3)
        if not claims:
            ax.text(0.5, 0.5, "no new node claims", ha="center", va="center",
                    transform=ax.transAxes)
    # "\\$": a bare "$" starts matplotlib's math text.
    axes[0, 0].set_title(
        f"{len(claims)} new node claims, \\${plan.total_price:.4f}/h "
        f"(lower bound \\${plan.lower_bound:.4f}/h)"
    )
    if claims:
        axes[0, 0].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def _cell(value: object) -> str:
    return f"<td>{escape(str(value))}</td>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _types(types: Sequence[str]) -> str:
    shown = ", ".join(types[:_SHOWN_TYPES])
    more = len(types) - _SHOWN_TYPES
    text = escape(shown) + (f" <i>+{more} more</i>" if more > 0 else "")
    return f'<td title="{escape(", ".join(types))}">{text}</td>'


def _requests(requests: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in requests.items())


def html(plan: Plan) -> str:
    placed = sum(len(c.pods) for c in plan.node_claims)
    on_existing = sum(len(n.pods) for n in plan.existing_nodes)
    parts = [
        '<div class="karpenter-solver-plan">',
        f"<p><b>{len(plan.node_claims)} new node claims</b> for {placed} pods, "
        f"<b>${plan.total_price:.4f}/h</b> (lower bound ${plan.lower_bound:.4f}/h); "
        f"{on_existing} pods on {len(plan.existing_nodes)} existing nodes; "
        f"<b>{len(plan.unschedulable)} unschedulable</b>.</p>",
    ]
    if plan.node_claims:
        parts.append(
            _table(
                ["claim", "node pool", "instance types", "zones", "capacity types", "$/h",
                 "requests", "pods"],
                [
                    [
                        _cell(c.name),
                        _cell(c.node_pool),
                        _types(c.instance_types),
                        _cell(", ".join(c.zones)),
                        _cell(", ".join(c.capacity_types)),
                        _cell(f"{c.price:.4f}"),
                        _cell(_requests(c.requests)),
                        _cell(len(c.pods)),
                    ]
                    for c in plan.node_claims
                ],
            )
        )
    if plan.existing_nodes:
        parts.append("<p>On existing nodes:</p>")
        parts.append(
            _table(
                ["node", "pods"],
                [[_cell(n.name), _cell(", ".join(n.pods))] for n in plan.existing_nodes],
            )
        )
    if plan.unschedulable:
        parts.append("<p>Unschedulable:</p>")
        parts.append(
            _table(["pod", "reason"], [[_cell(u.pod), _cell(u.reason)] for u in plan.unschedulable])
        )
    if plan.relaxed:
        parts.append("<p>Placed after dropping a preference:</p>")
        parts.append(
            _table(
                ["pod", "preference dropped"],
                [[_cell(r.pod), _cell(r.preference)] for r in plan.relaxed],
            )
        )
    if plan.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in plan.warnings)
        parts.append(f"<p>Warnings:</p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


# ---- consolidation ---------------------------------------------------------------------------


def commands_frame(plan: ConsolidationPlan) -> pandas.DataFrame:
    pd = _pandas()
    commands = plan.commands
    return pd.DataFrame(
        {
            "command": pd.Series(range(len(commands)), dtype="int64"),
            "reason": pd.Series([c.reason for c in commands], dtype="string"),
            "nodes": pd.Series([list(c.nodes) for c in commands], dtype=object),
            "node_count": pd.Series([len(c.nodes) for c in commands], dtype="int64"),
            "replacement_count": pd.Series(
                [len(c.replacements) for c in commands], dtype="int64"
            ),
            "pod_move_count": pd.Series([len(c.pod_moves) for c in commands], dtype="int64"),
            "replacement_types": pd.Series(
                [[r.instance_types[0] if r.instance_types else None for r in c.replacements]
                 for c in commands],
                dtype=object,
            ),
            "replacement_price": pd.Series(
                [sum(r.price for r in c.replacements) for c in commands], dtype="float64"
            ),
            "savings_per_hour": pd.Series(
                [c.savings_per_hour for c in commands], dtype="float64"
            ),
        }
    )


def moves_frame(plan: ConsolidationPlan) -> pandas.DataFrame:
    pd = _pandas()
    rows: List[Tuple[int, str, str, str, str, Optional[str]]] = []
    for i, c in enumerate(plan.commands):
        pools = {r.name: r.node_pool for r in c.replacements}
        for m in c.pod_moves:
            if m.to in pools:
                rows.append((i, c.reason, m.pod, m.to, "replacement", pools[m.to]))
            else:
                rows.append((i, c.reason, m.pod, m.to, "existing", None))
    split = [_split_pod(r[2]) for r in rows]

    def column(values: Sequence[Any]) -> Any:
        return pd.Series(list(values), dtype="string")

    return pd.DataFrame(
        {
            "command": pd.Series([r[0] for r in rows], dtype="int64"),
            "reason": column([r[1] for r in rows]),
            "pod": column([r[2] for r in rows]),
            "namespace": column([s[0] for s in split]),
            "name": column([s[1] for s in split]),
            "to": column([r[3] for r in rows]),
            "destination": column([r[4] for r in rows]),
            "node_pool": column([r[5] for r in rows]),
        }
    )


def blocked_frame(plan: ConsolidationPlan) -> pandas.DataFrame:
    pd = _pandas()
    return pd.DataFrame(
        {
            "node": pd.Series([b.node for b in plan.blocked], dtype="string"),
            "reason": pd.Series([b.reason for b in plan.blocked], dtype="string"),
        }
    )


def consolidation_html(plan: ConsolidationPlan) -> str:
    removed = sum(len(c.nodes) for c in plan.commands)
    launched = sum(len(c.replacements) for c in plan.commands)
    moved = sum(len(c.pod_moves) for c in plan.commands)
    parts = [
        '<div class="karpenter-solver-consolidation">',
        f"<p><b>{len(plan.commands)} commands</b> remove {removed} nodes and launch "
        f"{launched} replacements, moving {moved} pods: "
        f"<b>saves ${plan.savings_per_hour:.4f}/h</b> "
        f"(cluster floor ${plan.lower_bound:.4f}/h); "
        f"<b>{len(plan.blocked)} blocked</b>.</p>",
    ]
    if plan.commands:
        parts.append(
            _table(
                ["#", "reason", "nodes", "replacements", "pods moved", "saves $/h"],
                [
                    [
                        _cell(i),
                        _cell(c.reason),
                        _cell(", ".join(c.nodes)),
                        _cell(
                            ", ".join(
                                f"{r.name} ({r.instance_types[0] if r.instance_types else '?'}"
                                f", ${r.price:.4f}/h)"
                                for r in c.replacements
                            )
                        ),
                        _cell(len(c.pod_moves)),
                        _cell(f"{c.savings_per_hour:.4f}"),
                    ]
                    for i, c in enumerate(plan.commands)
                ],
            )
        )
    if plan.blocked:
        parts.append("<p>Blocked:</p>")
        parts.append(
            _table(["node", "reason"], [[_cell(b.node), _cell(b.reason)] for b in plan.blocked])
        )
    if plan.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in plan.warnings)
        parts.append(f"<p>Warnings:</p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)
