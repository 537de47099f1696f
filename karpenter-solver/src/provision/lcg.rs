//! A deterministic stream of small numbers for the generated cases of unit tests: the same
//! cases on every run and machine, with no dependency.

/// A linear congruential generator (Knuth's MMIX constants), seeded by its one field.
pub(crate) struct Lcg(pub u64);

impl Lcg {
    /// The next number below `n` (which must be above 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}
