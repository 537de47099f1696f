//! The lower bound: a linear relaxation of buying instance types for the placed pods.
//!
//! Pods are a divisible fluid and any usable type may be bought fractionally:
//!
//! minimize   Σ_t price_t · x_t
//! subject to Σ_t room_{t,d} · x_t ≥ demand_d   for each resource d,   x ≥ 0
//!
//! Every real packing buys whole nodes whose room covers the demand, so it is feasible here and
//! the optimum is below its price: a provable floor, and `plan price / bound` bounds the gap to
//! the optimum.

use std::collections::{BTreeMap, BTreeSet};

use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// One shape of pods for the bound: its request vector, how many, and the types it may use.
pub(crate) struct Shape {
    pub req: Vec<i64>,
    pub count: usize,
    pub types: BTreeSet<usize>,
}

/// A type for the bound: the most room any pool gives it and its cheapest offering.
pub(crate) struct BoundType {
    pub room: Vec<i64>,
    pub price: f64,
}

/// The relaxation's optimum, shaved by a relative 1e-7 against rounding in the solver; `None`
/// when the solver gives no answer (callers then keep a simpler bound).
///
/// The shapes' demands are summed per resource and every usable type may serve any of it: a
/// relaxation of the per-shape program above (so still a floor) with one row per resource,
/// which the simplex solves in microseconds even over the whole catalog. Per-shape type limits
/// are kept by the per-resource bound it is combined with.
pub(crate) fn lp_bound(shapes: &[Shape], types: &BTreeMap<usize, BoundType>) -> Option<f64> {
    if shapes.is_empty() {
        return Some(0.0);
    }
    let dims = shapes[0].req.len();
    let demand: Vec<f64> = (0..dims)
        .map(|d| {
            shapes
                .iter()
                .map(|s| s.req[d] as f64 * s.count as f64)
                .sum()
        })
        .collect();
    let used: Vec<usize> = (0..dims).filter(|&d| demand[d] > 0.0).collect();
    // Scaled so the largest demand is 1, which keeps the solver's arithmetic well conditioned.
    let usable: BTreeSet<usize> = shapes
        .iter()
        .flat_map(|s| s.types.iter().copied())
        .collect();
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let mut vars = Vec::new();
    for t in usable {
        let Some(bt) = types.get(&t) else { continue };
        if bt.room.iter().any(|&r| r < 0) || !bt.price.is_finite() {
            continue;
        }
        vars.push((lp.add_var(bt.price, (0.0, f64::INFINITY)), t));
    }
    if vars.is_empty() {
        return None;
    }
    for &d in &used {
        let terms: Vec<(microlp::Variable, f64)> = vars
            .iter()
            .map(|&(x, t)| (x, types[&t].room[d] as f64 / demand[d]))
            .filter(|(_, c)| *c > 0.0)
            .collect();
        if terms.is_empty() {
            return None;
        }
        lp.add_constraint(terms, ComparisonOp::Ge, 1.0);
    }
    match lp.solve() {
        Ok(microlp::SolveOutcome::Solution(sol)) => {
            let v = sol.objective();
            (v.is_finite() && v >= 0.0).then_some(v * (1.0 - 1e-7))
        }
        _ => None,
    }
}
