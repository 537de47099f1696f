//! Room left on open claims and existing nodes, kept in a max segment tree so that finding the
//! next one a pod fits skips whole runs of full ones.
//!
//! Placing a class scans claims (or nodes) in order and fills the first that take it. With
//! thousands of claims and a thousand classes a linear scan is quadratic; most claims are full
//! by the time later classes look. Each tree node holds, per resource, the most room any
//! entry below it has, so a subtree where some resource is short for the pod is skipped
//! whole. Leaves hold the exact room, so an entry returned is one the pod fits.

/// Per-resource room of a growing list of entries, searchable for the next entry a request
/// fits.
#[derive(Debug, Clone)]
pub(crate) struct RoomTree {
    dims: usize,
    /// Leaves in the tree (a power of two), at least `len`.
    cap: usize,
    len: usize,
    /// `2 * cap` nodes of `dims` values: node 1 is the root, node `cap + i` is entry `i`.
    max: Vec<i64>,
}

impl RoomTree {
    pub(crate) fn new(dims: usize) -> RoomTree {
        RoomTree {
            dims,
            cap: 1,
            len: 0,
            max: vec![i64::MIN; 2 * dims],
        }
    }

    /// A tree holding `rooms` in order.
    pub(crate) fn from_rooms<'r>(dims: usize, rooms: impl IntoIterator<Item = &'r [i64]>) -> Self {
        let mut t = RoomTree::new(dims);
        for r in rooms {
            t.push(r);
        }
        t
    }

    /// Appends an entry with `room`; its index is the previous length.
    pub(crate) fn push(&mut self, room: &[i64]) {
        if self.len == self.cap {
            self.grow();
        }
        self.len += 1;
        self.set(self.len - 1, room);
    }

    /// Sets entry `i`'s room.
    pub(crate) fn set(&mut self, i: usize, room: &[i64]) {
        debug_assert!(i < self.len);
        let d = self.dims;
        let mut node = self.cap + i;
        self.max[node * d..(node + 1) * d].copy_from_slice(&room[..d]);
        while node > 1 {
            node /= 2;
            for k in 0..d {
                let (l, r) = (self.max[2 * node * d + k], self.max[(2 * node + 1) * d + k]);
                self.max[node * d + k] = l.max(r);
            }
        }
    }

    /// The first entry at index `from` or later whose room covers `need` in every resource.
    pub(crate) fn next_fit(&self, from: usize, need: &[i64]) -> Option<usize> {
        if from >= self.len {
            return None;
        }
        self.search(1, 0, self.cap, from, need)
    }

    fn covers(&self, node: usize, need: &[i64]) -> bool {
        let d = self.dims;
        self.max[node * d..(node + 1) * d]
            .iter()
            .zip(need)
            .all(|(m, n)| n <= m)
    }

    fn search(
        &self,
        node: usize,
        lo: usize,
        hi: usize,
        from: usize,
        need: &[i64],
    ) -> Option<usize> {
        if hi <= from || lo >= self.len || !self.covers(node, need) {
            return None;
        }
        if hi - lo == 1 {
            return Some(lo);
        }
        let mid = (lo + hi) / 2;
        self.search(2 * node, lo, mid, from, need)
            .or_else(|| self.search(2 * node + 1, mid, hi, from, need))
    }

    fn grow(&mut self) {
        let d = self.dims;
        let cap = self.cap * 2;
        let mut max = vec![i64::MIN; 2 * cap * d];
        for i in 0..self.len {
            let (from, to) = ((self.cap + i) * d, (cap + i) * d);
            max[to..to + d].copy_from_slice(&self.max[from..from + d]);
        }
        for node in (1..cap).rev() {
            for k in 0..d {
                max[node * d + k] = max[2 * node * d + k].max(max[(2 * node + 1) * d + k]);
            }
        }
        self.cap = cap;
        self.max = max;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree answers exactly what a linear scan would, as entries are added and change.
    #[test]
    fn next_fit_matches_a_linear_scan() {
        let mut x: u64 = 7;
        let mut next = move |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) % n) as i64
        };
        let mut tree = RoomTree::new(2);
        let mut rooms: Vec<Vec<i64>> = Vec::new();
        for step in 0..2000 {
            if step % 3 == 0 || rooms.is_empty() {
                let r = vec![next(10), next(10)];
                tree.push(&r);
                rooms.push(r);
            } else {
                let i = next(rooms.len() as u64) as usize;
                rooms[i] = vec![next(10), next(10)];
                tree.set(i, &rooms[i]);
            }
            let need = [next(10), next(10)];
            let from = next(rooms.len() as u64 + 1) as usize;
            let scan =
                (from..rooms.len()).find(|&i| need.iter().zip(&rooms[i]).all(|(n, r)| n <= r));
            assert_eq!(tree.next_fit(from, &need), scan, "step {step}");
        }
    }
}
