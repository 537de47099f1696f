//! The fractional knapsack over several resources:
//!
//! maximize   Σ_i value_i · x_i
//! subject to Σ_i size_{i,d} · x_i ≤ room_d   for each resource d,   0 ≤ x_i ≤ most_i
//!
//! [`super::bound`] solves one per instance type and round to bound what a node of that type
//! holds. A general solver builds a fresh program each time; this one is the primal simplex
//! method with bounded variables on a basis as small as the resources (two to five), so a
//! solve is a few dozen pivots of a few hundred operations each.

/// Below this a reduced cost does not improve.
const TOLERANCE: f64 = 1e-11;

/// Below this a direction entry is taken as zero in the ratio test.
const PIVOT_TOLERANCE: f64 = 1e-11;

/// What [`fractional_knapsack`] finds: the optimum, each item's amount, each resource's price.
pub(crate) type Fractional = (f64, Vec<f64>, Vec<f64>);

/// A variable of the basis: an item, or the slack of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    Item(usize),
    Slack(usize),
}

/// The optimum, the amount of each item and the price of each resource (the optimal dual:
/// no item is worth more than the resources it takes at these prices, beyond its own bound),
/// or `None` when the pivot budget runs out (the caller then falls back to a general solver). `size` is row-major, items × resources;
/// every value, size, room and bound must be finite and at least 0.
pub(crate) fn fractional_knapsack(
    value: &[f64],
    size: &[f64],
    most: &[f64],
    room: &[f64],
) -> Option<Fractional> {
    let n = value.len();
    let dims = room.len();
    if size.len() != n * dims || most.len() != n {
        return None;
    }
    let mut x = vec![0.0; n];
    // At which bound each nonbasic item sits: false at 0, true at `most`.
    let mut at_top = vec![false; n];
    let mut basis: Vec<Var> = (0..dims).map(Var::Slack).collect();
    let mut position: Vec<Option<usize>> = vec![None; n];
    let mut slack_basic = vec![true; dims];
    // The basis inverse, row-major, dims × dims; the basic values.
    let mut inverse = vec![0.0; dims * dims];
    for d in 0..dims {
        inverse[d * dims + d] = 1.0;
    }
    let mut basic: Vec<f64> = room.to_vec();
    let mut y = vec![0.0; dims];
    let mut alpha = vec![0.0; dims];
    let column = |j: usize, out: &mut [f64], inverse: &[f64]| {
        for (k, a) in out.iter_mut().enumerate() {
            *a = (0..dims)
                .map(|d| inverse[k * dims + d] * size[j * dims + d])
                .sum();
        }
    };
    let budget = 20 * (n + dims) + 100;
    for _ in 0..budget {
        // Resource prices y = c_B · B⁻¹.
        y.iter_mut().for_each(|v| *v = 0.0);
        for (k, var) in basis.iter().enumerate() {
            if let Var::Item(i) = *var {
                for (d, v) in y.iter_mut().enumerate() {
                    *v += value[i] * inverse[k * dims + d];
                }
            }
        }
        // Entering: the largest improvement rate, with its direction (+1 up, -1 down).
        let mut entering: Option<(f64, Var, f64)> = None;
        for j in 0..n {
            if position[j].is_some() {
                continue;
            }
            let reduced = value[j] - (0..dims).map(|d| y[d] * size[j * dims + d]).sum::<f64>();
            let scale = value[j].max(1e-300);
            let (gain, dir) = if !at_top[j] && reduced > TOLERANCE * scale && most[j] > 0.0 {
                (reduced / scale, 1.0)
            } else if at_top[j] && reduced < -TOLERANCE * scale {
                (-reduced / scale, -1.0)
            } else {
                continue;
            };
            if entering.is_none_or(|e| gain > e.0) {
                entering = Some((gain, Var::Item(j), dir));
            }
        }
        for d in 0..dims {
            // A slack enters when its resource is priced below zero: using less pays.
            if !slack_basic[d] && y[d] < -TOLERANCE && entering.is_none_or(|e| -y[d] > e.0) {
                entering = Some((-y[d], Var::Slack(d), 1.0));
            }
        }
        let Some((_, var, dir)) = entering else {
            let objective = (0..n)
                .map(|i| value[i] * x_of(i, &x, &position, &basic))
                .sum();
            let amounts = (0..n).map(|i| x_of(i, &x, &position, &basic)).collect();
            y.iter_mut().for_each(|v| *v = v.max(0.0));
            return Some((objective, amounts, y));
        };
        match var {
            Var::Item(j) => column(j, &mut alpha, &inverse),
            Var::Slack(d) => {
                for (k, a) in alpha.iter_mut().enumerate() {
                    *a = inverse[k * dims + d];
                }
            }
        }
        // Moving the entering variable by t·dir moves basic k by −t·dir·alpha_k.
        let mut step = match var {
            Var::Item(j) => most[j],
            Var::Slack(_) => f64::INFINITY,
        };
        let mut leaving: Option<usize> = None;
        for k in 0..dims {
            let rate = dir * alpha[k];
            let (lo, hi) = match basis[k] {
                Var::Item(i) => (0.0, most[i]),
                Var::Slack(_) => (0.0, f64::INFINITY),
            };
            let limit = if rate > PIVOT_TOLERANCE {
                (basic[k] - lo).max(0.0) / rate
            } else if rate < -PIVOT_TOLERANCE {
                (hi - basic[k]).max(0.0) / -rate
            } else {
                continue;
            };
            if limit < step {
                step = limit;
                leaving = Some(k);
            }
        }
        if !step.is_finite() {
            // Unbounded cannot happen with room ≥ 0 and sizes ≥ 0 unless an item has no size
            // at all; such an item is capped by `most`, so this is rounding noise.
            return None;
        }
        for (k, b) in basic.iter_mut().enumerate() {
            *b -= step * dir * alpha[k];
        }
        let Some(r) = leaving else {
            // The entering item runs to its other bound: a flip, no pivot.
            if let Var::Item(j) = var {
                at_top[j] = dir > 0.0;
                x[j] = if at_top[j] { most[j] } else { 0.0 };
            }
            continue;
        };
        // The leaving variable goes to the bound it hit.
        let leaving_var = basis[r];
        let entered_value = match var {
            Var::Item(j) => x[j] + dir * step,
            Var::Slack(_) => dir * step,
        };
        match leaving_var {
            Var::Item(i) => {
                let top = dir * alpha[r] < 0.0;
                at_top[i] = top;
                x[i] = if top { most[i] } else { 0.0 };
                position[i] = None;
            }
            Var::Slack(d) => slack_basic[d] = false,
        }
        match var {
            Var::Item(j) => position[j] = Some(r),
            Var::Slack(d) => slack_basic[d] = true,
        }
        basis[r] = var;
        basic[r] = entered_value;
        // Row operations on the inverse.
        let pivot = alpha[r];
        for d in 0..dims {
            inverse[r * dims + d] /= pivot;
        }
        for k in 0..dims {
            if k == r || alpha[k] == 0.0 {
                continue;
            }
            let f = alpha[k];
            for d in 0..dims {
                inverse[k * dims + d] -= f * inverse[r * dims + d];
            }
        }
    }
    None
}

/// Item `i`'s amount: its basic value, or the bound it sits at.
fn x_of(i: usize, x: &[f64], position: &[Option<usize>], basic: &[f64]) -> f64 {
    match position[i] {
        Some(k) => basic[k].max(0.0),
        None => x[i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::lcg::Lcg;

    #[test]
    fn takes_the_densest_first_and_a_fraction_of_the_next() {
        // One resource of 10: item 0 (value 6, size 4, at most 2) fills 8; item 1 (value 5,
        // size 5) takes the 2 left as 0.4 of one.
        let (best, x, y) =
            fractional_knapsack(&[6.0, 5.0], &[4.0, 5.0], &[2.0, 3.0], &[10.0]).unwrap();
        assert!((best - 14.0).abs() < 1e-9, "{best}");
        // Item 1 is split, so it sets the price: 5 per 5 units.
        assert!((y[0] - 1.0).abs() < 1e-9, "{y:?}");
        assert!(
            (x[0] - 2.0).abs() < 1e-9 && (x[1] - 0.4).abs() < 1e-9,
            "{x:?}"
        );
    }

    /// Against microlp on random programs: the same optimum, and amounts that fit.
    #[test]
    fn matches_a_general_solver_on_random_programs() {
        use microlp::{ComparisonOp, OptimizationDirection, Problem};
        let mut rng = Lcg(11);
        for case in 0..500 {
            let n = 1 + rng.below(30) as usize;
            let dims = 1 + rng.below(5) as usize;
            let value: Vec<f64> = (0..n).map(|_| rng.below(100) as f64 / 7.0).collect();
            let size: Vec<f64> = (0..n * dims).map(|_| rng.below(12) as f64).collect();
            let most: Vec<f64> = (0..n).map(|_| 1.0 + rng.below(6) as f64).collect();
            let room: Vec<f64> = (0..dims).map(|_| rng.below(60) as f64).collect();
            let (got, x, y) = fractional_knapsack(&value, &size, &most, &room)
                .unwrap_or_else(|| panic!("case {case}: no answer"));
            let mut lp = Problem::new(OptimizationDirection::Maximize);
            let vars: Vec<_> = (0..n)
                .map(|i| lp.add_var(value[i], (0.0, most[i])))
                .collect();
            for d in 0..dims {
                let row: Vec<_> = (0..n).map(|i| (vars[i], size[i * dims + d])).collect();
                lp.add_constraint(row, ComparisonOp::Le, room[d]);
            }
            let microlp::SolveOutcome::Solution(solution) = lp.solve().expect("solvable") else {
                panic!("case {case}: bounded and feasible");
            };
            let want = solution.objective();
            assert!(
                (got - want).abs() <= 1e-7 * (1.0 + want),
                "case {case}: {got} against {want}"
            );
            for d in 0..dims {
                let used: f64 = (0..n).map(|i| size[i * dims + d] * x[i]).sum();
                assert!(
                    used <= room[d] + 1e-7 * (1.0 + room[d]),
                    "case {case}: over"
                );
            }
            for i in 0..n {
                assert!(
                    x[i] >= -1e-9 && x[i] <= most[i] + 1e-9,
                    "case {case}: out of bounds"
                );
            }
            // The prices bound the optimum from above (weak duality), and meet it.
            let dual: f64 = (0..dims).map(|d| room[d] * y[d]).sum::<f64>()
                + (0..n)
                    .map(|i| {
                        let cost: f64 = (0..dims).map(|d| y[d] * size[i * dims + d]).sum();
                        most[i] * (value[i] - cost).max(0.0)
                    })
                    .sum::<f64>();
            assert!(
                (dual - want).abs() <= 1e-6 * (1.0 + want),
                "case {case}: dual {dual} against {want}"
            );
        }
    }
}
