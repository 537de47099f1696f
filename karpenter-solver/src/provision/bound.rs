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

use super::cover::Cover;
use super::fractional::fractional_knapsack;

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

/// Undominated types times shapes beyond which [`pattern_bound`] and [`pattern_packing`] step
/// aside (the other floors and the greedy packing stand): about 5,000 keeps both within tens
/// of milliseconds on the default EC2 catalog (about 120 undominated types, 30 pod shapes in
/// Karpenter's mix), where a 400-type catalog priced linearly in size would take a second.
const PATTERN_WORK: usize = 5_000;

/// [`pattern_packing`]'s cap on types × shapes, past which its program keeps fewer types
/// (see [`PatternProblem::new`]): higher than the bound's, as packings need no proof and so
/// no exact rounds over many shapes.
const PACKING_WORK: usize = 12_000;

/// Rounds of pattern generation in [`pattern_bound`]: each adds a few packings and tightens
/// the floor; the cap keeps the bound a small share of a solve even when it has not converged.
const PATTERN_ROUNDS: usize = 40;

/// [`pattern_packing`] declines programs of more shapes than this: the solver's work grows
/// with their square, and the greedy packing it would replace is already fair there.
pub(crate) const PACKING_SHAPES: usize = 120;

/// [`pattern_packing`] searches packings exactly, as the bound does, up to this many shapes.
const EXACT_PACKING_SHAPES: usize = 120;

/// Exact rounds of [`pattern_bound`] at most (each bounds every type's knapsack): the last
/// one's floor is taken.
const EXACT_ROUNDS: usize = 12;

/// Passes of [`pattern_packing`] over what its earlier passes left, each solving the program
/// again; what the last leaves is packed greedily.
const RESIDUAL_PASSES: usize = 32;

/// Rounds of [`pattern_packing`]'s program at most when it is too big for the bound's, and
/// exact ones among them: more than the bound's, as the packing is only as good as the
/// program's convergence (Karpenter's mix at 20,000 pods: 12 exact rounds leave it about 2%
/// above its optimum).
const PACKING_ROUNDS: usize = 80;
const EXACT_PACKING_ROUNDS: usize = 40;

/// [`pattern_packing`]'s exact rounds look only for packings worth this share more than their
/// price: the searches that would prove no packing is worth more cost most of an exact round,
/// and the marginal packings they find move the program little.
const PACKING_SLACK: f64 = 0.02;

/// How [`PatternProblem::solve`] runs its rounds.
#[derive(Clone, Copy)]
struct Rounds {
    /// Whether exact rounds follow once greedy packings find nothing.
    exact: bool,
    /// Exact rounds seek packings worth at least `1 + slack` times their price.
    slack: f64,
    /// Rounds at most.
    total: usize,
    /// Exact rounds at most; the last one's floor is taken.
    exact_total: usize,
}

impl Rounds {
    /// The bound's rounds: no slack, so exact rounds run until no packing beats its price
    /// (or the caps).
    fn to_the_end(exact: bool) -> Rounds {
        Rounds {
            exact,
            slack: 0.0,
            total: PATTERN_ROUNDS,
            exact_total: EXACT_ROUNDS,
        }
    }
}

/// Packings added per round of [`pattern_bound`]: the most violated ones.
const PATTERNS_PER_ROUND: usize = 64;

/// A floor from the configuration relaxation, the one cutting-stock solvers use: a node is
/// bought with a whole packing of pods on it, and packings are bought fractionally:
///
/// minimize   Σ_q price_q · x_q
/// subject to Σ_q a_{s,q} · x_q ≥ count_s   for each shape s,   x ≥ 0
///
/// over every packing q (a type and a whole number of pods of each shape that fit on it
/// together). It is far tighter than [`assignment_bound`] because a node must hold whole pods
/// in every resource at once. There are too many packings to list, so its dual is solved over a
/// growing set of them (a cutting plane: each round adds the packings the current per-pod
/// charges π overprice), and the floor each round is π scaled down until no packing at all is
/// overpriced:
///
/// Σ_s count_s · π_s / ρ,   ρ ≥ max_q (Σ_s a_{s,q} π_s) / price_q
///
/// which is dual feasible for the full program, so a floor by weak duality whether or not the
/// rounds converged. ρ comes from a surrogate relaxation of each type's knapsack (its
/// resources folded into one with fixed weights, pods taken fractionally), an upper bound on
/// the best packing that needs no search.
pub(crate) fn pattern_bound(shapes: &[Shape], types: &BTreeMap<usize, BoundType>) -> f64 {
    let Some(problem) = PatternProblem::new(shapes, types, true, false) else {
        return 0.0;
    };
    if problem.too_big(PATTERN_WORK) {
        return 0.0;
    }
    problem.solve(Rounds::to_the_end(true)).floor.max(0.0) * (1.0 - 1e-7)
}

/// What [`PatternProblem::solve`] found: the floor, every packing its program holds (type and
/// pods per shape), and the last charge per pod of each shape.
struct PatternSolution {
    floor: f64,
    rows: Vec<(usize, Vec<f64>)>,
    charges: Vec<f64>,
    /// How much of each of `rows` the program's last solution buys.
    mix: Vec<f64>,
}

/// One node of [`pattern_packing`]: the caller's key of its type and `(shape, pods)` on it.
pub(crate) type PatternNode = (usize, Vec<(usize, usize)>);

/// Nodes holding every pod of `shapes`, chosen the cutting-stock way: the packings of
/// [`pattern_bound`]'s program (shapes kept apart, `types` keyed by the caller), bought as
/// many whole times as its fractional optimum buys them, and what that leaves packed one node
/// at a time, each the type whose greedy packing of the pods left is worth most per dollar at
/// the program's charges. Near the floor whenever pods outnumber shapes. `None` when some
/// shape fits no type or the solver fails; the caller then keeps its own packing.
///
/// All requests and rooms are whole numbers well below 2^53, so the floating-point fits here
/// are exact.
pub(crate) fn pattern_packing(
    shapes: &[Shape],
    types: &BTreeMap<usize, BoundType>,
) -> Option<Vec<PatternNode>> {
    if shapes.len() > PACKING_SHAPES {
        return None;
    }
    // Types are narrowed only where the full program is too big: elsewhere every
    // undominated type stays, as the greedy fills may pack a larger one better.
    let mut problem = PatternProblem::new(shapes, types, false, false)?;
    let mut narrowed = false;
    if problem.too_big(PACKING_WORK) {
        problem = PatternProblem::new(shapes, types, false, true)?;
        narrowed = true;
    }
    if (0..problem.req.len()).any(|s| (0..problem.price.len()).all(|t| problem.most[t][s] == 0.0)) {
        return None;
    }
    // Packings need good columns, not a proof; the exact rounds that find the last few are
    // worth their time only over few shapes.
    // Small programs are cheap to run to the end, as the bound runs them: the slack spares
    // the searches that make large ones slow, but on a small one its early stop can leave a
    // rounding a few percent worse.
    // A narrowed program is the largest kind, where exact rounds cost most, and its types are
    // already a choice: greedy and relaxed rounds find its columns (Karpenter's mix on the
    // synthetic catalog at 1,000 pods: 1.1% dearer for half the time).
    let exact = problem.req.len() <= EXACT_PACKING_SHAPES && !narrowed;
    let rounds = if problem.too_big(PATTERN_WORK) {
        Rounds {
            exact,
            slack: PACKING_SLACK,
            total: PACKING_ROUNDS,
            exact_total: EXACT_PACKING_ROUNDS,
        }
    } else {
        Rounds::to_the_end(exact)
    };
    let solution = problem.solve(rounds);
    let mut left = problem.count.clone();
    let mut nodes: Vec<PatternNode> = Vec::new();
    let take = |t: usize, packing: &[f64], left: &mut [f64], nodes: &mut Vec<PatternNode>| {
        let pods: Vec<(usize, usize)> = packing
            .iter()
            .enumerate()
            .filter(|(_, a)| **a > 0.0)
            .map(|(s, &a)| {
                left[s] -= a;
                (problem.shape_keys[s], a as usize)
            })
            .collect();
        nodes.push((problem.keys[t], pods));
    };
    // Whole copies of the fractional optimum, largest shares first, each cut to what is left;
    // then the program again over what is left, with every packing cut to it, and so on. When
    // no packing is bought whole any more, the one bought most is rounded up: each pass buys
    // at least one node, and the rounding error is paid on a shrinking remainder rather than
    // all at once.
    let mut charges = solution.charges.clone();
    let mut columns: Vec<(usize, Vec<f64>)> = solution.rows.clone();
    let mut mix = solution.mix.clone();
    for pass in 0..RESIDUAL_PASSES {
        let mut order: Vec<usize> = (0..mix.len()).collect();
        order.sort_by(|&a, &b| mix[b].total_cmp(&mix[a]).then(a.cmp(&b)));
        let whole = order.first().is_some_and(|&q| mix[q] >= 1.0 - 1e-6);
        let bought = nodes.len();
        for &q in &order {
            let (t, packing) = &columns[q];
            // The first pass buys the optimum's whole copies only; later ones round the
            // largest share up when nothing is whole.
            let copies = if whole || pass == 0 {
                (mix[q] + 1e-6).floor() as usize
            } else {
                usize::from(q == order[0] && mix[q] > 1e-6)
            };
            for _ in 0..copies {
                let cut: Vec<f64> = packing.iter().zip(&left).map(|(a, l)| a.min(*l)).collect();
                if cut.iter().all(|&a| a == 0.0) {
                    break;
                }
                take(*t, &cut, &mut left, &mut nodes);
            }
        }
        // Done, or a later pass bought nothing (what is left fits none of the packings):
        // the greedy fill below takes the rest. The first pass buys whole copies only, so
        // it may rightly buy none.
        if left.iter().all(|&l| l <= 0.0) || (pass > 0 && nodes.len() == bought) {
            break;
        }
        // The packings cut to what is left, each kept once.
        let mut seen: BTreeSet<(usize, Vec<u64>)> = BTreeSet::new();
        columns = columns
            .iter()
            .map(|(t, packing)| {
                let cut: Vec<f64> = packing.iter().zip(&left).map(|(a, l)| a.min(*l)).collect();
                (*t, cut)
            })
            .filter(|(t, cut)| {
                cut.iter().any(|&a| a > 0.0)
                    && seen.insert((*t, cut.iter().map(|a| a.to_bits()).collect()))
            })
            .collect();
        // Per shape, the cut packing that covers it cheapest per pod alone: the start.
        let lead: Vec<Option<usize>> = (0..problem.req.len())
            .map(|s| {
                let per_pod = |q: usize| problem.price[columns[q].0] / columns[q].1[s];
                (0..columns.len())
                    .filter(|&q| columns[q].1[s] > 0.0)
                    .min_by(|&a, &b| per_pod(a).total_cmp(&per_pod(b)))
            })
            .collect();
        let singles: Vec<Option<(f64, f64)>> = lead
            .iter()
            .enumerate()
            .map(|(s, q)| q.map(|q| (problem.price[columns[q].0], columns[q].1[s])))
            .collect();
        let mut cover = Cover::new(left.clone(), &singles);
        // The cover's columns: the starting singles, then every cut packing in order.
        let mut index: Vec<usize> = lead.iter().flatten().copied().collect();
        for (q, (t, cut)) in columns.iter().enumerate() {
            cover.add(problem.price[*t], sparse(cut));
            index.push(q);
        }
        cover.optimize();
        charges = cover.prices();
        let values = cover.values();
        mix = vec![0.0; columns.len()];
        for (k, &q) in index.iter().enumerate() {
            mix[q] += values[k];
        }
    }
    // The remainder: a shape the program no longer charges for still has to go somewhere,
    // so it is worth a sliver of its size.
    while left.iter().any(|&l| l > 0.0) {
        let worth: Vec<f64> = (0..problem.req.len())
            .map(|s| {
                if left[s] <= 0.0 {
                    0.0
                } else {
                    charges[s].max(1e-9 * (1.0 + problem.req[s].iter().sum::<f64>()))
                }
            })
            .collect();
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for t in 0..problem.price.len() {
            let packing = problem.greedy_packing_within(t, &worth, &left);
            let gain: f64 = packing.iter().zip(&worth).map(|(a, w)| a * w).sum();
            if gain <= 0.0 {
                continue;
            }
            let score = gain / problem.price[t].max(1e-12);
            if best.as_ref().is_none_or(|b| score > b.0 * (1.0 + 1e-12)) {
                best = Some((score, t, packing));
            }
        }
        let (_, t, packing) = best?;
        take(t, &packing, &mut left, &mut nodes);
    }
    Some(nodes)
}

/// Keeps the items of `list` whose flag in `keep` is set.
fn retain_flagged<T>(list: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    list.retain(|_| flags.next().copied().unwrap_or(false));
}

/// A packing's nonzero entries, as [`Cover`] takes a column.
fn sparse(packing: &[f64]) -> Vec<(usize, f64)> {
    packing
        .iter()
        .enumerate()
        .filter(|(_, a)| **a > 0.0)
        .map(|(s, &a)| (s, a))
        .collect()
}

/// The shapes and undominated types of [`pattern_bound`], in floating point.
struct PatternProblem {
    /// Per shape, its position in the caller's list (unmerged) or 0 (merged).
    shape_keys: Vec<usize>,
    /// Per type, the caller's key for it.
    keys: Vec<usize>,
    /// Per shape: requests in the demanded resources, and how many pods.
    req: Vec<Vec<f64>>,
    count: Vec<f64>,
    /// Per type: price, room, and how many pods of each shape fit on it alone (0: not allowed).
    price: Vec<f64>,
    room: Vec<Vec<f64>>,
    most: Vec<Vec<f64>>,
    /// Per type, two sizes of each shape's pod in shares of the type's room: the shares
    /// summed, and the largest share (never below 1e-12). The greedy fills rank by them.
    sizes: Vec<[Vec<f64>; 2]>,
}

impl PatternProblem {
    /// The program over `shapes` and `types`. With `merge`, shapes of equal requests merge,
    /// each allowed the types any of them is: a relaxation (every packing stays a packing),
    /// so still a floor, over far fewer rows; packings for real pods keep them apart.
    ///
    /// With `narrow` (packings only, never the floor), types are compared by their room
    /// capped at the whole demand, as no packing takes more: a type no larger than a cheaper
    /// one up to that cap holds no packing the cheaper one does not. On a catalog priced
    /// linearly in size, where every type is undominated by its full room, this leaves a
    /// small program the types up to its pods' size. Where types times shapes still pass
    /// [`PACKING_WORK`], only the cheapest types within it are kept, and for each shape
    /// none of them holds, the cheapest that does: fewer packings to choose from, but any
    /// packing found is still one.
    fn new(
        shapes: &[Shape],
        types: &BTreeMap<usize, BoundType>,
        merge: bool,
        narrow: bool,
    ) -> Option<PatternProblem> {
        let dims = shapes.first()?.req.len();
        let (total, used) = demand(shapes, dims);
        let mut merged: BTreeMap<(&[i64], usize), Shape> = BTreeMap::new();
        for (i, s) in shapes.iter().enumerate().filter(|(_, s)| s.count > 0) {
            let key = (s.req.as_slice(), if merge { 0 } else { i });
            let m = merged.entry(key).or_insert_with(|| Shape {
                req: s.req.clone(),
                count: 0,
                types: BTreeSet::new(),
            });
            m.count += s.count;
            m.types.extend(s.types.iter().copied());
        }
        let shape_keys: Vec<usize> = merged.keys().map(|k| k.1).collect();
        let shapes: Vec<Shape> = merged.into_values().collect();
        let req: Vec<Vec<f64>> = shapes
            .iter()
            .map(|s| used.iter().map(|&d| s.req[d] as f64).collect())
            .collect();
        let count: Vec<f64> = shapes.iter().map(|s| s.count as f64).collect();
        // Candidates cheapest first, so a type is only ever beaten by one already kept.
        let mut cands: Vec<(usize, &BoundType)> = types
            .iter()
            .filter(|(_, bt)| bt.price.is_finite() && bt.price >= 0.0)
            .map(|(&t, bt)| (t, bt))
            .collect();
        cands.sort_by(|a, b| a.1.price.total_cmp(&b.1.price).then(a.0.cmp(&b.0)));
        let mut price = Vec::new();
        let mut keys = Vec::new();
        let mut room: Vec<Vec<f64>> = Vec::new();
        let mut most: Vec<Vec<f64>> = Vec::new();
        let mut serves: Vec<Vec<u64>> = Vec::new();
        // Per shape, its types as flags by key: a lookup per type and shape below.
        let keys_end = cands.iter().map(|&(t, _)| t + 1).max().unwrap_or(0);
        let allowed: Vec<Vec<bool>> = shapes
            .iter()
            .map(|s| {
                let mut flags = vec![false; keys_end];
                for &t in s.types.range(..keys_end) {
                    flags[t] = true;
                }
                flags
            })
            .collect();
        // Per type kept, its room capped at the demand (narrowing only; otherwise types are
        // compared by `room` itself).
        let mut capped: Vec<Vec<f64>> = Vec::new();
        for (t, bt) in cands {
            let r: Vec<f64> = used.iter().map(|&d| bt.room[d] as f64).collect();
            let cap: Vec<f64> = if narrow {
                used.iter()
                    .zip(&r)
                    .map(|(&d, &r)| r.min(total[d]))
                    .collect()
            } else {
                Vec::new()
            };
            let m: Vec<f64> = allowed
                .iter()
                .zip(&shapes)
                .zip(&req)
                .map(|((allowed, s), q)| {
                    if !allowed[t] {
                        return 0.0;
                    }
                    let alone = q
                        .iter()
                        .zip(&r)
                        .filter(|(q, _)| **q > 0.0)
                        .map(|(q, r)| (r / q).floor())
                        .fold(f64::INFINITY, f64::min);
                    alone.min(s.count as f64).max(0.0)
                })
                .collect();
            if m.iter().all(|&x| x == 0.0) {
                continue;
            }
            // The shapes it serves, as bits, so the check below is a few word operations.
            let mut bits = vec![0u64; m.len().div_ceil(64)];
            for (s, _) in m.iter().enumerate().filter(|(_, &x)| x > 0.0) {
                bits[s / 64] |= 1 << (s % 64);
            }
            // A type no cheaper than a kept one, with no more room and serving no shape the
            // kept one does not: every packing of it is a packing of the kept one.
            let beaten = (0..price.len()).any(|k| {
                let (kept, new) = if narrow {
                    (&capped[k], &cap)
                } else {
                    (&room[k], &r)
                };
                kept.iter().zip(new).all(|(a, b)| a >= b)
                    && serves[k]
                        .iter()
                        .zip(&bits)
                        .all(|(kept, new): (&u64, &u64)| new & !kept == 0)
            });
            if beaten {
                continue;
            }
            serves.push(bits);
            capped.push(cap);
            price.push(bt.price);
            keys.push(t);
            room.push(r);
            most.push(m);
        }
        if price.is_empty() {
            return None;
        }
        if narrow && price.len() * req.len() > PACKING_WORK {
            // Kept types are cheapest first: keep a prefix, and the first type serving each
            // shape the prefix leaves out.
            let within = (PACKING_WORK / req.len().max(1)).max(1);
            let mut keep: Vec<bool> = (0..price.len()).map(|k| k < within).collect();
            let prefix = within.min(price.len());
            for s in (0..req.len()).filter(|&s| most[..prefix].iter().all(|m| m[s] == 0.0)) {
                if let Some(k) = (prefix..price.len()).find(|&k| most[k][s] > 0.0) {
                    keep[k] = true;
                }
            }
            retain_flagged(&mut price, &keep);
            retain_flagged(&mut room, &keep);
            retain_flagged(&mut most, &keep);
            retain_flagged(&mut keys, &keep);
        }
        let sizes = room
            .iter()
            .map(|r| {
                let shares = |q: &Vec<f64>| {
                    q.iter()
                        .zip(r)
                        .filter(|(_, r)| **r > 0.0)
                        .map(|(q, r)| q / r)
                        .collect::<Vec<f64>>()
                };
                let summed = req
                    .iter()
                    .map(|q| shares(q).iter().sum::<f64>().max(1e-12))
                    .collect();
                let largest = req
                    .iter()
                    .map(|q| shares(q).iter().fold(0.0f64, |a, &b| a.max(b)).max(1e-12))
                    .collect();
                [summed, largest]
            })
            .collect();
        Some(PatternProblem {
            shape_keys,
            keys,
            req,
            count,
            price,
            room,
            most,
            sizes,
        })
    }

    /// Whether the rounds would cost more than they are worth: each round prices every
    /// undominated type against every shape, so the work is their product (a catalog whose
    /// price is linear in size leaves every type undominated).
    fn too_big(&self, work: usize) -> bool {
        self.price.len() * self.req.len() > work
    }

    /// The best floor over the rounds (0 when the program cannot be set up), the packings
    /// found on the way, and the last charges.
    fn solve(&self, rounds: Rounds) -> PatternSolution {
        let Rounds {
            exact: exact_allowed,
            slack,
            total: pattern_rounds,
            exact_total: exact_cap,
        } = rounds;
        let shapes = self.req.len();
        let mut out = PatternSolution {
            floor: 0.0,
            rows: Vec::new(),
            charges: vec![0.0; shapes],
            mix: Vec::new(),
        };
        // Each shape alone on its cheapest type per pod starts the program (a feasible basis,
        // and a bounded dual); a shape no type holds is left out (it buys nothing).
        let mut singles: Vec<Option<(f64, f64)>> = vec![None; shapes];
        for (s, single) in singles.iter_mut().enumerate() {
            if let Some(t) = (0..self.price.len())
                .filter(|&t| self.most[t][s] > 0.0)
                .min_by(|&a, &b| {
                    (self.price[a] / self.most[a][s]).total_cmp(&(self.price[b] / self.most[b][s]))
                })
            {
                *single = Some((self.price[t], self.most[t][s]));
                let mut row = vec![0.0; shapes];
                row[s] = self.most[t][s];
                out.rows.push((t, row));
            }
        }
        let mut cover = Cover::new(self.count.clone(), &singles);
        let mut best = 0.0f64;
        let mut exact = false;
        let mut exact_rounds = 0;
        let mut start = 0;
        // Per type, the resource prices of its last relaxation, for the search's ceiling.
        let mut prices: Vec<Vec<f64>> = self.room.iter().map(|r| vec![0.0; r.len()]).collect();
        // A solver failure ends the rounds with the floor and packings found so far.
        'rounds: for round in 0..pattern_rounds {
            // A basis that did not reach the optimum still prices every pod at or above 0,
            // and the floor below holds for any such prices.
            cover.optimize();
            let pi = cover.prices();
            let value: f64 = pi.iter().zip(&self.count).map(|(p, n)| p * n).sum();
            out.charges.clone_from(&pi);
            let mut cuts: Vec<(f64, Vec<f64>, usize)> = Vec::new();
            // Cheap rounds first: greedy packings find most of what is overpriced. Once they
            // find nothing (or the rounds run out), each type's knapsack is bounded by its
            // linear relaxation, which both proves ρ and finds what greedy missed.
            let mut rho = 1.0f64;
            // Types with an overpriced packing found: their ceiling is only worked out when
            // this round's floor is the last one taken.
            let mut unknown: Vec<usize> = Vec::new();
            if exact {
                exact_rounds += 1;
            }
            let last = round + 1 == pattern_rounds || exact_rounds >= exact_cap;
            // Where an exact round starts among the types turns, so a round that stops early
            // (enough cuts found) leaves the next to look at the others first.
            let types = self.price.len();
            let mut complete = true;
            for step in 0..types {
                let t = (start + step) % types;
                if exact && !last && cuts.len() >= 2 * PATTERNS_PER_ROUND {
                    start = t;
                    complete = false;
                    break;
                }
                let over = self.price[t] * (1.0 + 1e-9);
                // What a packing the exact steps look for must be worth: with a slack, only
                // packings that improve on the type's price by that share are sought, which
                // spares the searches that would find only marginal ones.
                let sought = self.price[t] * (1.0 + slack.max(1e-9));
                let greedy = self.greedy_packing(t, &pi);
                let gain: f64 = greedy.iter().zip(&pi).map(|(a, p)| a * p).sum();
                let packing = if gain > over || !exact {
                    unknown.push(t);
                    greedy
                } else {
                    // The last round's resource prices usually still prove this round's
                    // ceiling, for a pass over the shapes instead of a solve. The relaxation
                    // settles most of the rest, and its rounding finds most of what greedy
                    // missed; the search takes the few it leaves open, and where that
                    // outgrows its budget the relaxation's bound stands.
                    let quick = self.dual_bound(t, &pi, &prices[t]);
                    if quick <= sought {
                        rho = rho.max(quick / self.price[t]);
                        continue;
                    }
                    let Some((upper, rounded)) = self.knapsack_relaxation(t, &pi, &mut prices[t])
                    else {
                        break 'rounds;
                    };
                    if upper <= sought {
                        rho = rho.max(upper / self.price[t]);
                        continue;
                    }
                    let rounded_gain: f64 = rounded.iter().zip(&pi).map(|(a, p)| a * p).sum();
                    if rounded_gain > sought {
                        unknown.push(t);
                        rounded
                    } else {
                        match self.knapsack_exact(t, &pi, sought, &prices[t]) {
                            Some(None) => continue,
                            Some(Some(found)) => {
                                unknown.push(t);
                                found
                            }
                            None => {
                                rho = rho.max(upper / self.price[t]);
                                rounded
                            }
                        }
                    }
                };
                let gain: f64 = packing.iter().zip(&pi).map(|(a, p)| a * p).sum();
                if gain > over {
                    cuts.push((gain / self.price[t], packing, t));
                }
            }
            if exact && complete && (unknown.is_empty() || last) {
                for &t in &unknown {
                    let Some((upper, _)) = self.knapsack_relaxation(t, &pi, &mut prices[t]) else {
                        break 'rounds;
                    };
                    rho = rho.max(upper / self.price[t]);
                }
                if !rho.is_finite() {
                    break 'rounds;
                }
                best = best.max(value / rho);
                if rho <= 1.0 + 1e-9 || last {
                    break;
                }
            }
            if cuts.is_empty() {
                if exact || !exact_allowed {
                    break;
                }
                exact = true;
                continue;
            }
            if exact_allowed && round + 2 == pattern_rounds {
                exact = true;
            }
            cuts.sort_by(|a, b| b.0.total_cmp(&a.0));
            cuts.dedup_by(|a, b| a.1 == b.1);
            for (_, packing, t) in cuts.into_iter().take(PATTERNS_PER_ROUND) {
                cover.add(self.price[t], sparse(&packing));
                out.rows.push((t, packing));
            }
        }
        out.floor = best;
        cover.optimize();
        out.mix = cover.values();
        out
    }

    /// An upper bound on what any packing of type `t` is worth at charges `pi`, from
    /// resource prices `w ≥ 0` (any will do; the relaxation's optimal ones are tightest):
    ///
    /// Σ_d room_d · w_d + Σ_s most_s · max(0, π_s − req_s · w)
    ///
    /// Each pod's charge is covered by the room it takes at prices `w`, or by its own term.
    fn dual_bound(&self, t: usize, pi: &[f64], w: &[f64]) -> f64 {
        let room: f64 = self.room[t].iter().zip(w).map(|(r, x)| r * x).sum();
        let pods: f64 = (0..self.req.len())
            .filter(|&s| self.most[t][s] > 0.0 && pi[s] > 0.0)
            .map(|s| {
                let cost: f64 = self.req[s].iter().zip(w).map(|(q, x)| q * x).sum();
                self.most[t][s] * (pi[s] - cost).max(0.0)
            })
            .sum();
        // Rounding in the sums could shave a hair off; pad it as the relaxation's optimum is.
        (room + pods) * (1.0 + 1e-7) + 1e-12
    }

    /// The linear relaxation of type `t`'s knapsack at charges `pi` (pods taken fractionally,
    /// every resource held): its optimum, an upper bound on any packing's worth, and that
    /// optimum rounded down and topped up greedily, a packing worth nearly as much. `w` takes
    /// the relaxation's resource prices, which [`Knapsack::ceiling`] bounds with.
    fn knapsack_relaxation(&self, t: usize, pi: &[f64], w: &mut [f64]) -> Option<(f64, Vec<f64>)> {
        let room = &self.room[t];
        let items: Vec<usize> = (0..self.req.len())
            .filter(|&s| self.most[t][s] > 0.0 && pi[s] > 0.0)
            .collect();
        if items.is_empty() {
            return Some((0.0, vec![0.0; self.req.len()]));
        }
        let value: Vec<f64> = items.iter().map(|&s| pi[s]).collect();
        let most: Vec<f64> = items.iter().map(|&s| self.most[t][s]).collect();
        // Each resource in shares of the room, so every row is on one scale; a resource with
        // no room keeps its sizes, which then admit none of what needs it.
        let scale: Vec<f64> = room
            .iter()
            .map(|&r| if r > 0.0 { r } else { 1.0 })
            .collect();
        let size: Vec<f64> = items
            .iter()
            .flat_map(|&s| self.req[s].iter().zip(&scale).map(|(q, r)| q / r))
            .collect();
        let shares: Vec<f64> = room
            .iter()
            .map(|&r| if r > 0.0 { 1.0 } else { 0.0 })
            .collect();
        let (best, amounts) = match fractional_knapsack(&value, &size, &most, &shares) {
            Some((best, amounts, y)) => {
                // Prices per share back to prices per unit of each resource.
                for ((w, y), s) in w.iter_mut().zip(&y).zip(&scale) {
                    *w = y / s;
                }
                (best, amounts)
            }
            None => self.knapsack_relaxation_general(t, pi, &items)?,
        };
        // The solvers' tolerances could shave the optimum a hair: pad it.
        let upper = best * (1.0 + 1e-7) + 1e-12;
        let mut packing = vec![0.0; self.req.len()];
        let mut left = room.clone();
        for (&s, &x) in items.iter().zip(&amounts) {
            let a = (x + 1e-9).floor().max(0.0);
            packing[s] = a;
            for (l, q) in left.iter_mut().zip(&self.req[s]) {
                *l -= q * a;
            }
        }
        if left.iter().any(|&l| l < -1e-6) {
            packing = vec![0.0; self.req.len()];
            left = room.clone();
        }
        self.top_up(t, pi, &mut packing, &mut left, 0);
        Some((upper, packing))
    }

    /// [`Self::knapsack_relaxation`]'s program by the general solver, for the rare program
    /// the dedicated one gives up on: its optimum and the amount of each of `items`.
    fn knapsack_relaxation_general(
        &self,
        t: usize,
        pi: &[f64],
        items: &[usize],
    ) -> Option<(f64, Vec<f64>)> {
        let room = &self.room[t];
        let mut lp = Problem::new(OptimizationDirection::Maximize);
        let vars: Vec<(usize, microlp::Variable)> = items
            .iter()
            .map(|&s| (s, lp.add_var(pi[s], (0.0, self.most[t][s]))))
            .collect();
        for (d, &r) in room.iter().enumerate() {
            let row: Vec<(microlp::Variable, f64)> = vars
                .iter()
                .filter(|(s, _)| self.req[*s][d] > 0.0)
                .map(|&(s, v)| (v, self.req[s][d] / r.max(1e-12)))
                .collect();
            if !row.is_empty() {
                lp.add_constraint(row, ComparisonOp::Le, 1.0);
            }
        }
        let Ok(microlp::SolveOutcome::Solution(sol)) = lp.solve() else {
            return None;
        };
        Some((
            sol.objective(),
            vars.iter().map(|&(_, v)| sol.var_value(v)).collect(),
        ))
    }

    /// A packing of type `t` worth much at charges `pi`: the best of a few greedy fills, each
    /// ranking shapes by charge per share of the type's room under one way of sizing a pod
    /// (its shares summed, or its largest share).
    fn greedy_packing(&self, t: usize, pi: &[f64]) -> Vec<f64> {
        let mut best: Option<(f64, Vec<f64>)> = None;
        for sizing in 0..2 {
            let mut packing = vec![0.0; self.req.len()];
            let mut left = self.room[t].clone();
            self.top_up(t, pi, &mut packing, &mut left, sizing);
            let gain: f64 = packing.iter().zip(pi).map(|(a, p)| a * p).sum();
            if best.as_ref().is_none_or(|b| gain > b.0) {
                best = Some((gain, packing));
            }
        }
        best.map(|b| b.1).unwrap_or_default()
    }

    /// [`Self::greedy_packing`] with at most `left[s]` pods of each shape.
    fn greedy_packing_within(&self, t: usize, pi: &[f64], left: &[f64]) -> Vec<f64> {
        let mut best: Option<(f64, Vec<f64>)> = None;
        for sizing in 0..2 {
            // Shapes already used up start full, so `top_up` adds none of them.
            let mut packing: Vec<f64> = (0..self.req.len())
                .map(|s| (self.most[t][s] - left[s]).max(0.0))
                .collect();
            let base = packing.clone();
            // The placeholders take no room: `top_up` reads them only as its caps.
            let mut room = self.room[t].clone();
            self.top_up(t, pi, &mut packing, &mut room, sizing);
            for (a, b) in packing.iter_mut().zip(&base) {
                *a -= b;
            }
            let gain: f64 = packing.iter().zip(pi).map(|(a, p)| a * p).sum();
            if best.as_ref().is_none_or(|b| gain > b.0) {
                best = Some((gain, packing));
            }
        }
        best.map(|b| b.1).unwrap_or_default()
    }

    /// Adds to `packing` (with `left` room) shapes by charge per share of type `t`'s room,
    /// each as many as still fit. `sizing` picks a pod's size: 0 its shares summed, 1 its
    /// largest share.
    fn top_up(&self, t: usize, pi: &[f64], packing: &mut [f64], left: &mut [f64], sizing: usize) {
        let sizes = &self.sizes[t][sizing.min(1)];
        let mut order: Vec<(f64, usize)> = (0..self.req.len())
            .filter(|&s| self.most[t][s] > packing[s] && pi[s] > 0.0)
            .map(|s| (pi[s] / sizes[s], s))
            .collect();
        // Keys are distinct (the shape breaks ties), so an unstable sort gives the same order.
        order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, s) in order {
            let fit = self.req[s]
                .iter()
                .zip(left.iter())
                .filter(|(q, _)| **q > 0.0)
                .map(|(q, l)| (l / q).floor())
                .fold(self.most[t][s] - packing[s], f64::min)
                .max(0.0);
            if fit > 0.0 {
                packing[s] += fit;
                for (l, q) in left.iter_mut().zip(&self.req[s]) {
                    *l -= q * fit;
                }
            }
        }
    }

    /// A packing of type `t` worth more than `floor` at charges `pi`, by branch and bound
    /// (shapes by charge per share of room, counts from the most that fit down, pruned by
    /// each resource's fractional knapsack): `Some(None)` when the search proves there is
    /// none, `None` when it outgrows [`KNAPSACK_NODES`].
    fn knapsack_exact(
        &self,
        t: usize,
        pi: &[f64],
        floor: f64,
        w: &[f64],
    ) -> Option<Option<Vec<f64>>> {
        let room = &self.room[t];
        let sizes = &self.sizes[t][0];
        let mut order: Vec<(f64, usize)> = (0..self.req.len())
            .filter(|&s| self.most[t][s] > 0.0 && pi[s] > 0.0)
            .map(|s| (pi[s] / sizes[s], s))
            .collect();
        // Keys are distinct (the shape breaks ties), so an unstable sort gives the same order.
        order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let items: Vec<usize> = order.into_iter().map(|(_, s)| s).collect();
        // Per resource, item positions by charge per unit of that resource, densest first.
        let by_dim: Vec<Vec<usize>> = (0..room.len())
            .map(|d| {
                let mut v: Vec<usize> = (0..items.len()).collect();
                let density = |i: usize| {
                    let q = self.req[items[i]][d];
                    if q > 0.0 {
                        pi[items[i]] / q
                    } else {
                        f64::INFINITY
                    }
                };
                v.sort_by(|&a, &b| density(b).total_cmp(&density(a)).then(a.cmp(&b)));
                v
            })
            .collect();
        // Each item's charge above what its room costs at prices `w`: the same at every node
        // of the search.
        let over: Vec<f64> = items
            .iter()
            .map(|&s| pi[s] - self.req[s].iter().zip(w).map(|(q, x)| q * x).sum::<f64>())
            .collect();
        let mut search = Knapsack {
            problem: self,
            t,
            pi,
            items: &items,
            by_dim: &by_dim,
            w,
            over: &over,
            counts: vec![0.0; items.len()],
            fits: Vec::with_capacity(items.len()),
            floor,
            found: false,
            nodes: 0,
        };
        let mut left = room.clone();
        if !search.branch(0, &mut left, 0.0) {
            return None;
        }
        if !search.found {
            return Some(None);
        }
        let mut packing = vec![0.0; self.req.len()];
        for (i, &s) in items.iter().enumerate() {
            packing[s] = search.counts[i];
        }
        Some(Some(packing))
    }
}

/// Search nodes one exact knapsack may visit before [`pattern_bound`] settles for the linear
/// relaxation of that type.
const KNAPSACK_NODES: usize = 500;

/// The state of one branch-and-bound knapsack search.
struct Knapsack<'a> {
    problem: &'a PatternProblem,
    t: usize,
    pi: &'a [f64],
    items: &'a [usize],
    by_dim: &'a [Vec<usize>],
    /// Resource prices for the dual part of [`Knapsack::ceiling`].
    w: &'a [f64],
    /// Per item, its charge less its requests priced at `w`.
    over: &'a [f64],
    counts: Vec<f64>,
    /// Scratch for [`Knapsack::ceiling`].
    fits: Vec<f64>,
    /// What a packing must beat; the search stops at the first that does, in `counts`.
    floor: f64,
    found: bool,
    nodes: usize,
}

impl Knapsack<'_> {
    /// How many of item `i` fit in `left`, at most the shape's pods.
    fn fit(&self, i: usize, left: &[f64]) -> f64 {
        let s = self.items[i];
        self.problem.req[s]
            .iter()
            .zip(left)
            .filter(|(q, _)| **q > 0.0)
            .map(|(q, l)| ((l / q).max(0.0) as u64) as f64)
            .fold(self.problem.most[self.t][s], f64::min)
            .max(0.0)
    }

    /// An upper bound on what items `from..` add within `left`: the least of each resource's
    /// fractional knapsack alone and the dual bound at resource prices `w ≥ 0`,
    ///
    /// Σ_d left_d · w_d + Σ_i fit_i · max(0, π_i − req_i · w),
    ///
    /// which every packing is worth no more than (each pod's charge is covered by the room it
    /// takes at prices `w`, or by its own term). `w` is the last relaxation's optimal dual.
    fn ceiling(&mut self, from: usize, left: &[f64]) -> f64 {
        // One buffer for the whole search: a ceiling is worked out before each descent.
        let mut fits = std::mem::take(&mut self.fits);
        fits.clear();
        fits.extend((0..self.items.len()).map(|i| if i < from { 0.0 } else { self.fit(i, left) }));
        let best = self.ceiling_with(from, left, &fits);
        self.fits = fits;
        best
    }

    /// [`Knapsack::ceiling`] given how many of each item fit.
    fn ceiling_with(&self, from: usize, left: &[f64], fits: &[f64]) -> f64 {
        let mut dual: f64 = left.iter().zip(self.w).map(|(l, x)| l * x).sum();
        for (&most, &over) in fits.iter().zip(self.over).skip(from) {
            if over > 0.0 {
                dual += most * over;
            }
        }
        let mut best = dual * (1.0 + 1e-9) + 1e-12;
        for (d, order) in self.by_dim.iter().enumerate() {
            let mut cap = left[d];
            let mut value = 0.0;
            for &i in order {
                let most = fits[i];
                if most <= 0.0 {
                    continue;
                }
                let s = self.items[i];
                let q = self.problem.req[s][d];
                if q <= 0.0 {
                    value += self.pi[s] * most;
                    continue;
                }
                let take = most.min(cap / q);
                value += self.pi[s] * take;
                cap -= q * take;
                if cap <= 0.0 {
                    break;
                }
            }
            best = best.min(value);
        }
        best
    }

    /// Searches items `i..` with `left` room and `value` so far; false when out of nodes.
    /// On success with `found`, `counts` holds the packing that beat the floor.
    fn branch(&mut self, i: usize, left: &mut [f64], value: f64) -> bool {
        self.nodes += 1;
        if self.nodes > KNAPSACK_NODES {
            return false;
        }
        if value > self.floor {
            self.found = true;
            return true;
        }
        if i == self.items.len() || value + self.ceiling(i, left) <= self.floor {
            return true;
        }
        let s = self.items[i];
        let most = self.fit(i, left);
        let mut a = most;
        while a >= 0.0 {
            for (l, q) in left.iter_mut().zip(&self.problem.req[s]) {
                *l -= q * a;
            }
            self.counts[i] = a;
            let ok = self.branch(i + 1, left, value + self.pi[s] * a);
            for (l, q) in left.iter_mut().zip(&self.problem.req[s]) {
                *l += q * a;
            }
            if !ok || self.found {
                return ok;
            }
            self.counts[i] = 0.0;
            a -= 1.0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::lcg::Lcg;
    use std::collections::HashMap;

    type Case = (Vec<Shape>, BTreeMap<usize, BoundType>);

    /// Two resources plus a pod slot count; 2-3 types, 1-3 shapes of up to 4 pods.
    fn case(rng: &mut Lcg) -> Case {
        let mut types = BTreeMap::new();
        for t in 0..2 + rng.below(2) as usize {
            let room = vec![
                2 + rng.below(7) as i64,
                2 + rng.below(7) as i64,
                1 + rng.below(4) as i64,
            ];
            let price = 1.0 + rng.below(9) as f64 + rng.below(4) as f64 * 0.25;
            types.insert(t * 10, BoundType { room, price });
        }
        let keys: Vec<usize> = types.keys().copied().collect();
        let shapes = (0..1 + rng.below(3))
            .map(|_| {
                let req = vec![1 + rng.below(4) as i64, rng.below(4) as i64, 1];
                let allowed: BTreeSet<usize> =
                    keys.iter().copied().filter(|_| rng.below(4) != 0).collect();
                Shape {
                    req,
                    count: 1 + rng.below(4) as usize,
                    types: allowed,
                }
            })
            .collect();
        (shapes, types)
    }

    fn fits(
        shapes: &[Shape],
        t: usize,
        types: &BTreeMap<usize, BoundType>,
        pods: &[usize],
    ) -> bool {
        let room = &types[&t].room;
        (0..room.len()).all(|d| {
            let used: i64 = pods
                .iter()
                .zip(shapes)
                .map(|(&k, s)| k as i64 * s.req[d])
                .sum();
            used <= room[d]
        }) && pods
            .iter()
            .zip(shapes)
            .all(|(&k, s)| k == 0 || s.types.contains(&t))
    }

    /// What `nodes` cost, checking that each holds its pods on its type and that every pod
    /// of `shapes` is on exactly one.
    fn checked_cost(
        shapes: &[Shape],
        types: &BTreeMap<usize, BoundType>,
        nodes: &[PatternNode],
    ) -> f64 {
        let mut placed = vec![0usize; shapes.len()];
        let mut cost = 0.0;
        for (t, on) in nodes {
            let mut pods = vec![0usize; shapes.len()];
            for &(s, k) in on {
                pods[s] += k;
                placed[s] += k;
            }
            assert!(
                fits(shapes, *t, types, &pods),
                "node {t} {on:?} does not fit"
            );
            cost += types[t].price;
        }
        let counts: Vec<usize> = shapes.iter().map(|s| s.count).collect();
        assert_eq!(placed, counts, "every pod on exactly one node");
        cost
    }

    /// The cheapest way to place `left` pods of each shape, by trying every node content.
    fn optimum(
        shapes: &[Shape],
        types: &BTreeMap<usize, BoundType>,
        left: Vec<usize>,
        memo: &mut HashMap<Vec<usize>, f64>,
    ) -> f64 {
        if left.iter().all(|&n| n == 0) {
            return 0.0;
        }
        if let Some(&v) = memo.get(&left) {
            return v;
        }
        // The first shape with pods left goes on this node, with any others.
        let first = left.iter().position(|&n| n > 0).unwrap_or(0);
        let mut best = f64::INFINITY;
        let mut pods = vec![0usize; left.len()];
        loop {
            // Next content in mixed radix over 0..=left[s].
            let mut s = 0;
            while s < left.len() {
                if pods[s] < left[s] {
                    pods[s] += 1;
                    break;
                }
                pods[s] = 0;
                s += 1;
            }
            if s == left.len() {
                break;
            }
            if pods[first] == 0 {
                continue;
            }
            for (&t, bt) in types {
                if fits(shapes, t, types, &pods) {
                    let rest: Vec<usize> = left.iter().zip(&pods).map(|(l, p)| l - p).collect();
                    best = best.min(bt.price + optimum(shapes, types, rest, memo));
                }
            }
        }
        memo.insert(left, best);
        best
    }

    #[test]
    fn pattern_bound_is_below_the_optimum_and_the_packing_above_it() {
        let mut rng = Lcg(7);
        let mut checked = 0;
        for _ in 0..400 {
            let (shapes, types) = case(&mut rng);
            let counts: Vec<usize> = shapes.iter().map(|s| s.count).collect();
            let best = optimum(&shapes, &types, counts.clone(), &mut HashMap::new());
            if !best.is_finite() {
                assert!(pattern_packing(&shapes, &types).is_none());
                continue;
            }
            checked += 1;
            let floor = pattern_bound(&shapes, &types);
            assert!(floor <= best + 1e-9, "floor {floor} above optimum {best}");
            let nodes = pattern_packing(&shapes, &types).expect("a feasible case packs");
            let cost = checked_cost(&shapes, &types, &nodes);
            assert!(cost >= best - 1e-9, "packing {cost} below optimum {best}");
        }
        assert!(checked > 200, "only {checked} feasible cases");
    }

    /// A catalog priced linearly in size leaves every type undominated by its full room, so
    /// 400 types times 40 shapes pass the packing's work cap: the program then keeps the
    /// types up to the pods' size, and the one large type a huge pod needs.
    #[test]
    fn a_linearly_priced_catalog_is_narrowed_not_declined() {
        let types: BTreeMap<usize, BoundType> = (1..=400)
            .map(|n: i64| {
                let room = vec![n * 1000, n * 2048];
                (
                    n as usize,
                    BoundType {
                        room,
                        price: 0.3 * n as f64,
                    },
                )
            })
            .collect();
        let mut rng = Lcg(11);
        let mut shapes: Vec<Shape> = (0..39)
            .map(|_| Shape {
                req: vec![
                    100 + 50 * rng.below(20) as i64,
                    128 * (1 + rng.below(30) as i64),
                ],
                count: 1 + rng.below(3) as usize,
                types: types.keys().copied().collect(),
            })
            .collect();
        shapes.push(Shape {
            req: vec![390_000, 1024],
            count: 1,
            types: types.keys().copied().collect(),
        });
        let nodes = pattern_packing(&shapes, &types).expect("narrowed, not declined");
        let cost = checked_cost(&shapes, &types, &nodes);
        let floor = lp_bound(&shapes, &types).expect("the relaxation solves");
        assert!(
            cost >= floor - 1e-9,
            "packing {cost} below the floor {floor}"
        );
        // The huge pod needs a type of 390 cpu or more; the small pods fill the rest of it
        // or a few small types, never a node each.
        assert!(nodes.len() < 10, "{} nodes", nodes.len());
    }

    #[test]
    fn pattern_bound_beats_the_assignment_bound_when_pods_do_not_split() {
        // Pods of 3 cpu on nodes of 4 cpu: one a node, though three quarters of a node each
        // by resources alone.
        let types = BTreeMap::from([(
            0,
            BoundType {
                room: vec![4, 100],
                price: 1.0,
            },
        )]);
        let shapes = vec![Shape {
            req: vec![3, 1],
            count: 10,
            types: BTreeSet::from([0]),
        }];
        let assignment = assignment_bound(&shapes, &types);
        let pattern = pattern_bound(&shapes, &types);
        assert!((assignment - 7.5).abs() < 1e-6, "{assignment}");
        assert!((pattern - 10.0).abs() < 1e-5, "{pattern}");
    }
}
