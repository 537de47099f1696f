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
//!
//! [`assignment_bound`] is often tighter: each pod stays whole on one type (all its resources on
//! the same node, and only on types it fits), though nodes are still bought fractionally.

use std::collections::{BTreeMap, BTreeSet};

use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// The shapes' total demand per resource, and the resources some pod asks for.
fn demand(shapes: &[Shape], dims: usize) -> (Vec<f64>, Vec<usize>) {
    let demand: Vec<f64> = (0..dims)
        .map(|d| {
            shapes
                .iter()
                .map(|s| s.req[d] as f64 * s.count as f64)
                .sum()
        })
        .collect();
    let used = (0..dims).filter(|&d| demand[d] > 0.0).collect();
    (demand, used)
}

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
    let (demand, used) = demand(shapes, dims);
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

/// A floor from the assignment relaxation, where each pod stays whole on one type (all its
/// resources on the same node, and only on types it fits) though nodes are bought fractionally:
///
/// minimize   Σ_t price_t · x_t
/// subject to Σ_t y_{s,t} ≥ count_s                         for each shape s
///            Σ_s req_{s,d} · y_{s,t} ≤ room_{t,d} · x_t     for each type t and resource d
///
/// Every real packing is feasible (y = pods of s on nodes of type t, x = those nodes). Rather
/// than solving it (thousands of variables: too slow for every call), this takes dual
/// solutions, each a valid floor by weak duality: for resource weights λ ≥ 0, charging a pod of
/// shape s, on type t, the share λ·req_s / λ·room_t of the type's price is dual feasible, so
///
/// Σ_s count_s · min_t price_t · (λ·req_s) / (λ·room_t)
///
/// is a floor, and the weights are searched for the highest. Unlike [`lp_bound`], a pod cannot
/// take its cpu from one type and its memory from another, nor use a type too small for it.
pub(crate) fn assignment_bound(shapes: &[Shape], types: &BTreeMap<usize, BoundType>) -> f64 {
    let Some(first) = shapes.first() else {
        return 0.0;
    };
    let dims = first.req.len();
    // Resources some pod asks for, weighted relative to the total demand of each.
    let (demand, used) = demand(shapes, dims);
    if used.is_empty() {
        return 0.0;
    }
    // Per type: price and room in the used resources; per shape: the types serving it.
    let cands: Vec<(f64, Vec<f64>)> = types
        .values()
        .filter(|bt| bt.price.is_finite() && bt.price >= 0.0)
        .map(|bt| {
            let room = used
                .iter()
                .map(|&d| bt.room[d] as f64 / demand[d])
                .collect();
            (bt.price, room)
        })
        .collect();
    let keys: Vec<&BoundType> = types
        .values()
        .filter(|bt| bt.price.is_finite() && bt.price >= 0.0)
        .collect();
    let idx: BTreeMap<usize, usize> = types
        .iter()
        .filter(|(_, bt)| bt.price.is_finite() && bt.price >= 0.0)
        .enumerate()
        .map(|(i, (&t, _))| (t, i))
        .collect();
    // A type no cheaper and with no more room in any demanded resource than another of the
    // same set is never the cheapest charge: only the undominated ones are searched (and a
    // dominating type fits every pod the dominated one does).
    let mut undominated: Vec<(&BTreeSet<usize>, Vec<usize>)> = Vec::new();
    let served: Vec<(f64, Vec<f64>, Vec<usize>)> = shapes
        .iter()
        .map(|s| {
            let req: Vec<f64> = used.iter().map(|&d| s.req[d] as f64 / demand[d]).collect();
            let front = match undominated.iter().find(|(set, _)| *set == &s.types) {
                Some((_, front)) => front.clone(),
                None => {
                    let front = pareto(&s.types, &idx, &cands);
                    undominated.push((&s.types, front.clone()));
                    front
                }
            };
            let ts = front
                .into_iter()
                .filter(|&i| s.req.iter().zip(&keys[i].room).all(|(q, r)| q <= r))
                .collect();
            (s.count as f64, req, ts)
        })
        .collect();
    let value = |w: &[f64]| -> f64 {
        let mut total = 0.0;
        for (count, req, ts) in &served {
            let need: f64 = req.iter().zip(w).map(|(q, x)| q * x).sum();
            if need <= 0.0 {
                continue;
            }
            let mut best = f64::INFINITY;
            for &i in ts {
                let (price, room) = &cands[i];
                let have: f64 = room.iter().zip(w).map(|(r, x)| r * x).sum();
                if have > 0.0 {
                    best = best.min(price * need / have);
                }
            }
            if !best.is_finite() {
                // A shape no type serves: the dual is unbounded there; claim nothing for it.
                continue;
            }
            total += count * best;
        }
        total
    };
    // Coordinate search over the simplex of weights: move mass between two resources while
    // it helps, halving the step when nothing does. Deterministic and a few hundred
    // evaluations at most.
    let n = used.len();
    let mut starts: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    starts.push(vec![1.0 / n as f64; n]);
    let mut best_w = starts[0].clone();
    let mut best_v = f64::NEG_INFINITY;
    for w in starts {
        let v = value(&w);
        if v > best_v {
            best_v = v;
            best_w = w;
        }
    }
    let mut step: f64 = 0.25;
    let mut evaluations = 0;
    while step > 1e-4 && evaluations < 2000 {
        let mut improved = false;
        for i in 0..n {
            for j in 0..n {
                if i == j || best_w[i] <= 0.0 {
                    continue;
                }
                let mut w = best_w.clone();
                let delta = step.min(w[i]);
                w[i] -= delta;
                w[j] += delta;
                evaluations += 1;
                let v = value(&w);
                if v > best_v * (1.0 + 1e-12) {
                    best_v = v;
                    best_w = w;
                    improved = true;
                }
            }
        }
        if !improved {
            step /= 2.0;
        }
    }
    (best_v.max(0.0)) * (1.0 - 1e-9)
}

/// Positions in `cands` of the types of `set` that no other of them beats: as cheap, and at
/// least as much room in every resource (ties keep the first).
fn pareto(
    set: &BTreeSet<usize>,
    idx: &BTreeMap<usize, usize>,
    cands: &[(f64, Vec<f64>)],
) -> Vec<usize> {
    let mut order: Vec<usize> = set.iter().filter_map(|t| idx.get(t).copied()).collect();
    order.sort_by(|&a, &b| cands[a].0.total_cmp(&cands[b].0).then(a.cmp(&b)));
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        let beaten = kept.iter().any(|&k| {
            cands[k].0 <= cands[i].0 && cands[k].1.iter().zip(&cands[i].1).all(|(a, b)| a >= b)
        });
        if !beaten {
            kept.push(i);
        }
    }
    kept
}

/// A floor from integrality alone: some node holds each pod, so the plan costs at least the
/// cheapest type any one pod fits, for the pod whose cheapest is dearest. It beats the
/// relaxations when few pods are placed (one pod: the exact price of its node).
pub(crate) fn one_node_bound(shapes: &[Shape], types: &BTreeMap<usize, BoundType>) -> f64 {
    shapes
        .iter()
        .filter(|s| s.count > 0)
        .filter_map(|s| {
            s.types
                .iter()
                .filter_map(|t| types.get(t))
                .filter(|bt| {
                    bt.price.is_finite() && s.req.iter().zip(&bt.room).all(|(q, r)| q <= r)
                })
                .map(|bt| bt.price)
                .reduce(f64::min)
        })
        .fold(0.0, f64::max)
        * (1.0 - 1e-9)
}
