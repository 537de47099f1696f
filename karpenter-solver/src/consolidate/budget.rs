//! Disruption budgets: the pools' `spec.disruption.budgets` and pod disruption budgets.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::node_pool::{BudgetNodes, NodePool};
use crate::pdb::{IntOrPercent, PodDisruptionBudget};
use crate::pod::Pod;

/// How many nodes of `pool` (of `total`) may be disrupting at `now` for `reason`: the minimum
/// over the budgets active then that name the reason (or no reason); Karpenter's default of
/// one `nodes: 10%` budget when the pool has none; unlimited when none is active. A budget
/// whose schedule does not parse allows nothing (`kubernetes-sigs/karpenter:
/// pkg/apis/v1/nodepool.go`).
pub(crate) fn allowance(pool: &NodePool, reason: &str, total: usize, now: DateTime<Utc>) -> usize {
    let default = [crate::node_pool::Budget {
        nodes: BudgetNodes::Percent(10),
        schedule: None,
        duration_seconds: None,
        reasons: Vec::new(),
    }];
    let budgets = if pool.disruption.budgets.is_empty() {
        &default[..]
    } else {
        &pool.disruption.budgets[..]
    };
    let mut allowed = usize::MAX;
    for b in budgets {
        if !b.reasons.is_empty() && !b.reasons.iter().any(|r| r == reason) {
            continue;
        }
        let active = match (&b.schedule, b.duration_seconds) {
            (Some(schedule), Some(duration)) => match schedule_active(schedule, duration, now) {
                Some(active) => active,
                // A schedule that does not parse blocks: allow nothing.
                None => return 0,
            },
            _ => true,
        };
        if !active {
            continue;
        }
        let n = match b.nodes {
            BudgetNodes::Count(n) => n as usize,
            // Rounded up, as Karpenter does: 5% of 10 nodes is 1.
            BudgetNodes::Percent(p) => (total * p as usize).div_ceil(100),
        };
        allowed = allowed.min(n);
    }
    allowed
}

/// Whether a budget with a cron `schedule` (UTC) and `duration` is active at `now`: some
/// firing at or before `now` started a window still open. `None` when the schedule is invalid.
pub(crate) fn schedule_active(
    schedule: &str,
    duration_seconds: i64,
    now: DateTime<Utc>,
) -> Option<bool> {
    let cron = croner::Cron::from_str(schedule.trim()).ok()?;
    let window_start = now - Duration::seconds(duration_seconds);
    match cron.find_next_occurrence(&window_start, false) {
        Ok(first) => Some(first <= now),
        Err(_) => Some(false),
    }
}

/// Evictions each pod disruption budget still allows, as the eviction API computes them:
/// healthy pods (running, bound, not terminating) above `minAvailable`, or `maxUnavailable`
/// less the pods already unavailable; percentages of the matching pods rounded up.
pub(crate) fn pdb_allowances(pdbs: &[PodDisruptionBudget], pods: &[Pod]) -> BTreeMap<usize, i64> {
    let mut out = BTreeMap::new();
    for (i, pdb) in pdbs.iter().enumerate() {
        let matching: Vec<&Pod> = pods.iter().filter(|p| covers(pdb, p)).collect();
        let expected = matching.len() as i64;
        let healthy = matching
            .iter()
            .filter(|p| p.is_active() && !p.terminating && p.phase == crate::pod::PodPhase::Running)
            .count() as i64;
        let scaled = |v: IntOrPercent| match v {
            IntOrPercent::Int(n) => i64::from(n),
            IntOrPercent::Percent(p) => (expected * i64::from(p) + 99) / 100,
        };
        let allowed = match (pdb.min_available, pdb.max_unavailable) {
            (Some(min), _) => healthy - scaled(min),
            (None, Some(max)) => scaled(max) - (expected - healthy),
            // Neither set: read as minAvailable 1, the default policy/v1beta1 applied.
            (None, None) => healthy - 1,
        };
        out.insert(i, allowed.max(0));
    }
    out
}

/// Whether `pdb` covers `pod`: same namespace and the selector matches. In policy/v1 an empty
/// selector matches every pod of the namespace and a missing one matches none.
pub(crate) fn covers(pdb: &PodDisruptionBudget, pod: &Pod) -> bool {
    pdb.namespace == pod.namespace
        && pdb
            .selector
            .as_ref()
            .is_some_and(|s| s.matches(&pod.labels))
}
