//! A covering linear program kept solved while columns arrive:
//!
//! minimize   Σ_j cost_j · x_j
//! subject to Σ_j a_{i,j} · x_j ≥ demand_i   for each row i,   x ≥ 0,   a ≥ 0
//!
//! [`super::bound`]'s configuration program is solved by column generation: each round adds
//! the packings the last solution's row prices undervalue, and solves again. A general solver
//! starts every round from nothing; this one keeps its basis, so a round costs only the few
//! pivots its new columns cause. It is the revised simplex method with a dense basis inverse,
//! which suits the programs here: a few dozen rows, a few thousand sparse columns.
//!
//! Every row starts covered by a column of its own (one holding only that row), so the first
//! basis is feasible and no first phase is needed; the primal simplex keeps it feasible.

/// Pivots between rebuilding the basis inverse from its columns, which bounds the rounding
/// error the product updates accumulate.
const REFACTOR_EVERY: usize = 48;

/// Degenerate pivots in a row after which the entering column is chosen by Bland's rule (the
/// lowest index that improves), which cannot cycle, until the objective moves again.
const DEGENERATE_RUN: usize = 24;

/// Below this a reduced cost, relative to the column's cost, does not improve.
const TOLERANCE: f64 = 1e-9;

/// Below this a direction entry is taken as zero in the ratio test.
const PIVOT_TOLERANCE: f64 = 1e-9;

/// A variable of the basis: a column, or the surplus of a row (its coverage beyond demand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    Column(usize),
    Surplus(usize),
}

/// A column: its cost and its nonzero entries `(row, a)`.
#[derive(Clone, Debug)]
struct Column {
    cost: f64,
    entries: Vec<(usize, f64)>,
}

/// The program and its current basis.
#[derive(Clone, Debug)]
pub(crate) struct Cover {
    demand: Vec<f64>,
    columns: Vec<Column>,
    /// Per basis position, its variable; per column, its position if basic.
    basis: Vec<Var>,
    position: Vec<Option<usize>>,
    /// The basis inverse, row-major, rows × rows.
    inverse: Vec<f64>,
    /// Per basis position, the variable's value.
    value: Vec<f64>,
    pivots: usize,
}

impl Cover {
    /// The program over `demand`, with one starting column per row: `singles[i]` is
    /// `(cost, a)`, a column covering `a > 0` of row `i` alone, added as column number
    /// (count of `Some` before `i`). A row with `None` is one nothing can cover: its demand is
    /// dropped, and its price stays 0.
    pub(crate) fn new(demand: Vec<f64>, singles: &[Option<(f64, f64)>]) -> Cover {
        let rows = demand.len();
        let mut cover = Cover {
            demand,
            columns: Vec::new(),
            basis: Vec::with_capacity(rows),
            position: Vec::new(),
            inverse: vec![0.0; rows * rows],
            value: vec![0.0; rows],
            pivots: 0,
        };
        for (i, single) in singles.iter().enumerate().take(rows) {
            match *single {
                Some((cost, a)) if a > 0.0 => {
                    let j = cover.columns.len();
                    cover.columns.push(Column {
                        cost,
                        entries: vec![(i, a)],
                    });
                    cover.position.push(Some(i));
                    cover.basis.push(Var::Column(j));
                    cover.inverse[i * rows + i] = 1.0 / a;
                    cover.value[i] = cover.demand[i].max(0.0) / a;
                }
                _ => {
                    cover.demand[i] = 0.0;
                    cover.basis.push(Var::Surplus(i));
                    cover.inverse[i * rows + i] = -1.0;
                    cover.value[i] = 0.0;
                }
            }
        }
        cover
    }

    /// Adds a column of `cost` covering `entries` (row, amount); returns its number. The
    /// basis stays feasible; [`Cover::optimize`] brings it back to optimal.
    pub(crate) fn add(&mut self, cost: f64, entries: Vec<(usize, f64)>) -> usize {
        let rows = self.demand.len();
        let entries = entries
            .into_iter()
            .filter(|&(i, a)| i < rows && a != 0.0)
            .collect();
        self.columns.push(Column { cost, entries });
        self.position.push(None);
        self.columns.len() - 1
    }

    /// The price per unit of each row at the current basis, `c_B · B⁻¹`, never below 0 (a
    /// row's surplus is free, so a negative price is not optimal and is read as 0).
    pub(crate) fn prices(&self) -> Vec<f64> {
        let mut pi = self.raw_prices();
        pi.iter_mut().for_each(|p| *p = p.max(0.0));
        pi
    }

    fn raw_prices(&self) -> Vec<f64> {
        let rows = self.demand.len();
        let mut pi = vec![0.0; rows];
        for (k, var) in self.basis.iter().enumerate() {
            let cost = match *var {
                Var::Column(j) => self.columns[j].cost,
                Var::Surplus(_) => 0.0,
            };
            if cost == 0.0 {
                continue;
            }
            let row = &self.inverse[k * rows..(k + 1) * rows];
            pi.iter_mut().zip(row).for_each(|(p, b)| *p += cost * b);
        }
        pi
    }

    /// How much of each column the current basis buys.
    pub(crate) fn values(&self) -> Vec<f64> {
        self.position
            .iter()
            .map(|p| p.map_or(0.0, |k| self.value[k].max(0.0)))
            .collect()
    }

    /// The current basis's cost.
    #[cfg(test)]
    pub(crate) fn cost(&self) -> f64 {
        self.basis
            .iter()
            .zip(&self.value)
            .map(|(var, x)| match *var {
                Var::Column(j) => self.columns[j].cost * x.max(0.0),
                Var::Surplus(_) => 0.0,
            })
            .sum()
    }

    /// Pivots until no column or surplus improves the cost. Returns false when the pivot
    /// budget ran out or the basis went singular; the basis is then still feasible (its values
    /// usable) but its prices may not be optimal.
    pub(crate) fn optimize(&mut self) -> bool {
        let rows = self.demand.len();
        let budget = 64 * rows + 4 * self.columns.len() + 256;
        let mut degenerate = 0;
        let mut direction = vec![0.0; rows];
        for _ in 0..budget {
            let pi = self.raw_prices();
            let bland = degenerate >= DEGENERATE_RUN;
            let Some(entering) = self.entering(&pi, bland) else {
                return true;
            };
            self.direction(entering, &mut direction);
            let Some(leaving) = self.leaving(&direction, bland) else {
                // Unbounded cannot happen with costs ≥ 0; a direction with no positive entry
                // is rounding noise, and the basis is as good as it gets.
                return false;
            };
            let step = self.value[leaving] / direction[leaving];
            if step <= 1e-12 {
                degenerate += 1;
            } else {
                degenerate = 0;
            }
            self.pivot(entering, leaving, &direction);
            if self.pivots % REFACTOR_EVERY == 0 && !self.refactor() {
                return false;
            }
        }
        false
    }

    /// The variable to bring into the basis: the most negative reduced cost per unit of
    /// cost (or with `bland`, the first that improves), `None` at the optimum.
    fn entering(&self, pi: &[f64], bland: bool) -> Option<Var> {
        let mut best: Option<(f64, Var)> = None;
        for (i, &p) in pi.iter().enumerate() {
            // A surplus enters when its row is priced below zero: covering less is cheaper.
            if p < -TOLERANCE && self.basis.iter().all(|&v| v != Var::Surplus(i)) {
                let score = p;
                if bland {
                    return Some(Var::Surplus(i));
                }
                if best.is_none_or(|b| score < b.0) {
                    best = Some((score, Var::Surplus(i)));
                }
            }
        }
        for (j, col) in self.columns.iter().enumerate() {
            if self.position[j].is_some() {
                continue;
            }
            let worth: f64 = col.entries.iter().map(|&(i, a)| pi[i] * a).sum();
            let reduced = col.cost - worth;
            let scale = col.cost.max(1e-12);
            if reduced < -TOLERANCE * scale.max(1.0) {
                if bland {
                    return Some(Var::Column(j));
                }
                let score = reduced / scale;
                if best.is_none_or(|b| score < b.0) {
                    best = Some((score, Var::Column(j)));
                }
            }
        }
        best.map(|b| b.1)
    }

    /// `B⁻¹ · a` for the entering variable's column `a`.
    fn direction(&self, var: Var, out: &mut [f64]) {
        let rows = self.demand.len();
        out.iter_mut().for_each(|d| *d = 0.0);
        match var {
            Var::Column(j) => {
                for &(i, a) in &self.columns[j].entries {
                    for (k, d) in out.iter_mut().enumerate() {
                        *d += self.inverse[k * rows + i] * a;
                    }
                }
            }
            Var::Surplus(i) => {
                for (k, d) in out.iter_mut().enumerate() {
                    *d = -self.inverse[k * rows + i];
                }
            }
        }
    }

    /// The basis position that leaves: the first to reach zero along `direction`; among
    /// ties, the largest entry (the steadiest pivot), or with `bland`, the lowest variable.
    fn leaving(&self, direction: &[f64], bland: bool) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        for (k, &d) in direction.iter().enumerate() {
            if d <= PIVOT_TOLERANCE {
                continue;
            }
            let ratio = self.value[k].max(0.0) / d;
            let better = match best {
                None => true,
                Some((r, b)) => {
                    if ratio < r - 1e-12 * (1.0 + r) {
                        true
                    } else if ratio <= r + 1e-12 * (1.0 + r) {
                        if bland {
                            order(self.basis[k]) < order(self.basis[b])
                        } else {
                            d > direction[b]
                        }
                    } else {
                        false
                    }
                }
            };
            if better {
                best = Some((ratio, k));
            }
        }
        best.map(|b| b.1)
    }

    /// Swaps `entering` in for the variable at basis position `leaving`.
    fn pivot(&mut self, entering: Var, leaving: usize, direction: &[f64]) {
        let rows = self.demand.len();
        let d = direction[leaving];
        let step = self.value[leaving].max(0.0) / d;
        for (k, x) in self.value.iter_mut().enumerate() {
            if k == leaving {
                *x = step;
            } else {
                *x = (*x - step * direction[k]).max(0.0);
            }
        }
        let (before, rest) = self.inverse.split_at_mut(leaving * rows);
        let (pivot_row, after) = rest.split_at_mut(rows);
        pivot_row.iter_mut().for_each(|b| *b /= d);
        for (k, row) in before.chunks_exact_mut(rows).enumerate().chain(
            after
                .chunks_exact_mut(rows)
                .enumerate()
                .map(|(k, r)| (k + leaving + 1, r)),
        ) {
            let f = direction[k];
            if f != 0.0 {
                row.iter_mut()
                    .zip(pivot_row.iter())
                    .for_each(|(b, p)| *b -= f * p);
            }
        }
        if let Var::Column(j) = self.basis[leaving] {
            self.position[j] = None;
        }
        if let Var::Column(j) = entering {
            self.position[j] = Some(leaving);
        }
        self.basis[leaving] = entering;
        self.pivots += 1;
    }

    /// Rebuilds the inverse from the basis columns (Gauss–Jordan with partial pivoting) and
    /// the values from it. False when the basis is singular.
    fn refactor(&mut self) -> bool {
        let rows = self.demand.len();
        // [B | I] reduced to [I | B⁻¹].
        let width = 2 * rows;
        let mut m = vec![0.0; rows * width];
        for (k, var) in self.basis.iter().enumerate() {
            match *var {
                Var::Column(j) => {
                    for &(i, a) in &self.columns[j].entries {
                        m[i * width + k] = a;
                    }
                }
                Var::Surplus(i) => m[i * width + k] = -1.0,
            }
        }
        for i in 0..rows {
            m[i * width + rows + i] = 1.0;
        }
        for col in 0..rows {
            let Some(p) = (col..rows).max_by(|&a, &b| {
                m[a * width + col]
                    .abs()
                    .total_cmp(&m[b * width + col].abs())
                    .then(b.cmp(&a))
            }) else {
                return false;
            };
            if m[p * width + col].abs() < 1e-12 {
                return false;
            }
            if p != col {
                for c in 0..width {
                    m.swap(p * width + c, col * width + c);
                }
            }
            let d = m[col * width + col];
            for c in 0..width {
                m[col * width + c] /= d;
            }
            for r in 0..rows {
                if r == col {
                    continue;
                }
                let f = m[r * width + col];
                if f == 0.0 {
                    continue;
                }
                for c in 0..width {
                    m[r * width + c] -= f * m[col * width + c];
                }
            }
        }
        for k in 0..rows {
            self.inverse[k * rows..(k + 1) * rows]
                .copy_from_slice(&m[k * width + rows..(k + 1) * width]);
        }
        for k in 0..rows {
            let row = &self.inverse[k * rows..(k + 1) * rows];
            self.value[k] = row
                .iter()
                .zip(&self.demand)
                .map(|(b, d)| b * d)
                .sum::<f64>()
                .max(0.0);
        }
        true
    }
}

/// Bland's order over variables: columns first, then surpluses.
fn order(var: Var) -> (u8, usize) {
    match var {
        Var::Column(j) => (0, j),
        Var::Surplus(i) => (1, i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::lcg::Lcg;

    #[test]
    fn pairs_beat_singles_when_cheaper() {
        let mut cover = Cover::new(vec![3.0, 2.0], &[Some((1.0, 1.0)), Some((1.0, 1.0))]);
        let pair = cover.add(1.5, vec![(0, 1.0), (1, 1.0)]);
        assert!(cover.optimize());
        assert!((cover.cost() - 4.0).abs() < 1e-9, "{}", cover.cost());
        assert!((cover.values()[pair] - 2.0).abs() < 1e-9);
        // Duals: a single of row 0 is bought, so row 0 is worth 1; the pair prices row 1 at 0.5.
        let pi = cover.prices();
        assert!(
            (pi[0] - 1.0).abs() < 1e-9 && (pi[1] - 0.5).abs() < 1e-9,
            "{pi:?}"
        );
    }

    #[test]
    fn an_uncoverable_row_is_dropped_and_priced_zero() {
        let mut cover = Cover::new(vec![4.0, 7.0], &[Some((2.0, 2.0)), None]);
        cover.add(1.0, vec![(0, 1.0), (1, 3.0)]);
        assert!(cover.optimize());
        assert_eq!(cover.prices()[1], 0.0);
        assert!((cover.cost() - 4.0).abs() < 1e-9, "{}", cover.cost());
    }

    /// Against microlp on random covering programs: same optimum, feasible values, and duals
    /// that price no column below its cost and sum to the optimum (strong duality).
    #[test]
    fn matches_a_general_solver_on_random_programs() {
        use microlp::{ComparisonOp, OptimizationDirection, Problem};
        let mut rng = Lcg(7);
        for case in 0..300 {
            let rows = 1 + rng.below(12) as usize;
            let demand: Vec<f64> = (0..rows).map(|_| rng.below(50) as f64).collect();
            let singles: Vec<Option<(f64, f64)>> = (0..rows)
                .map(|_| Some((1.0 + rng.below(20) as f64, 1.0 + rng.below(4) as f64)))
                .collect();
            let mut cover = Cover::new(demand.clone(), &singles);
            let mut cols: Vec<(f64, Vec<(usize, f64)>)> = singles
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (c, a) = s.unwrap_or((1.0, 1.0));
                    (c, vec![(i, a)])
                })
                .collect();
            // Columns arrive in batches, solved in between, as the rounds add them.
            for _ in 0..1 + rng.below(4) {
                for _ in 0..rng.below(3 * rows as u64 + 2) {
                    let mut entries = Vec::new();
                    for i in 0..rows {
                        if rng.below(3) == 0 {
                            entries.push((i, rng.below(5) as f64));
                        }
                    }
                    let cost = rng.below(40) as f64 / 2.0 + 0.5;
                    cover.add(cost, entries.clone());
                    cols.push((cost, entries));
                }
                cover.optimize();
            }
            assert!(cover.optimize(), "case {case}: no optimum");
            let mut lp = Problem::new(OptimizationDirection::Minimize);
            let vars: Vec<_> = cols
                .iter()
                .map(|(c, _)| lp.add_var(*c, (0.0, f64::INFINITY)))
                .collect();
            for (i, &d) in demand.iter().enumerate() {
                let row: Vec<_> = cols
                    .iter()
                    .zip(&vars)
                    .filter_map(|((_, e), &v)| {
                        e.iter().find(|(r, _)| *r == i).map(|&(_, a)| (v, a))
                    })
                    .collect();
                lp.add_constraint(row, ComparisonOp::Ge, d);
            }
            let microlp::SolveOutcome::Solution(solution) =
                lp.solve().expect("microlp solves covering programs")
            else {
                panic!("case {case}: covering programs are feasible and bounded");
            };
            let want = solution.objective();
            let got = cover.cost();
            assert!(
                (got - want).abs() <= 1e-6 * (1.0 + want),
                "case {case}: {got} against {want}"
            );
            let x = cover.values();
            for (i, &d) in demand.iter().enumerate() {
                let covered: f64 = cols
                    .iter()
                    .zip(&x)
                    .map(|((_, e), x)| {
                        e.iter()
                            .filter(|(r, _)| *r == i)
                            .map(|(_, a)| a * x)
                            .sum::<f64>()
                    })
                    .sum();
                assert!(
                    covered >= d - 1e-6 * (1.0 + d),
                    "case {case}: row {i} short"
                );
            }
            let pi = cover.prices();
            for (c, e) in &cols {
                let worth: f64 = e.iter().map(|&(i, a)| pi[i] * a).sum();
                assert!(
                    worth <= c + 1e-6 * (1.0 + c),
                    "case {case}: column underpriced"
                );
            }
            let dual: f64 = pi.iter().zip(&demand).map(|(p, d)| p * d).sum();
            assert!(
                (dual - want).abs() <= 1e-6 * (1.0 + want),
                "case {case}: dual {dual}"
            );
        }
    }
}
