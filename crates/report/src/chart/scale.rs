//! The chart's value axis: round steps that cover the data, and short tick labels.

/// A value axis from 0 to `step × divisions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Axis {
    pub step: u64,
    pub divisions: u32,
}

impl Axis {
    /// The smallest round step (1, 2, 3, 4, 5, 6, 8, then 10, 15, 20, 25, 30, 40, 50, 60, 80,
    /// and so on by tens) whose `divisions` reach `max`. An all-zero chart gets steps of 1, so
    /// its axis still reads 0 to 5 rather than collapsing.
    pub fn covering(max: u64, divisions: u32) -> Axis {
        let d = u64::from(divisions.max(1));
        let mut base: u64 = 1;
        loop {
            for m in [10, 15, 20, 25, 30, 40, 50, 60, 80] {
                let Some(tenfold) = base.checked_mul(m) else {
                    return Axis::widest(divisions);
                };
                if tenfold % 10 != 0 {
                    continue;
                }
                let step = tenfold / 10;
                match step.checked_mul(d) {
                    Some(top) if top >= max => return Axis { step, divisions },
                    Some(_) => {}
                    None => return Axis::widest(divisions),
                }
            }
            match base.checked_mul(10) {
                Some(next) => base = next,
                None => return Axis::widest(divisions),
            }
        }
    }

    fn widest(divisions: u32) -> Axis {
        Axis {
            step: u64::MAX / u64::from(divisions.max(1)),
            divisions,
        }
    }

    /// The top of the axis.
    pub fn max(&self) -> u64 {
        self.step.saturating_mul(u64::from(self.divisions))
    }

    /// The value of tick `i` (0 at the baseline).
    pub fn tick(&self, i: u32) -> u64 {
        self.step.saturating_mul(u64::from(i))
    }
}

/// A tick label of at most five characters: `950`, `2500`, `15k`, `2.5M`. The margins of the
/// chart are sized for that, so large counts never run into the plot.
pub(crate) fn compact(value: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")];
    if value < 10_000 {
        return value.to_string();
    }
    let (unit, suffix) = UNITS
        .into_iter()
        .find(|(unit, _)| value >= unit.saturating_mul(10))
        .unwrap_or((1_000, "k"));
    let whole = value / unit;
    let tenth = value % unit * 10 / unit;
    if tenth == 0 {
        format!("{whole}{suffix}")
    } else {
        format!("{whole}.{tenth}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_covers_the_largest_value_with_a_round_step() {
        assert_eq!(Axis::covering(0, 5).step, 1);
        assert_eq!(Axis::covering(5, 5).step, 1);
        assert_eq!(Axis::covering(6, 5).step, 2);
        assert_eq!(Axis::covering(37, 5).step, 8);
        assert_eq!(Axis::covering(51, 5).step, 15);
        assert_eq!(Axis::covering(110, 5).step, 25);
        assert_eq!(Axis::covering(1_234_567, 5).step, 250_000);
        assert!(Axis::covering(u64::MAX, 5).max() > u64::MAX - 5);
    }

    #[test]
    fn large_labels_are_shortened() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(9_999), "9999");
        assert_eq!(compact(15_000), "15k");
        assert_eq!(compact(250_000), "250k");
        assert_eq!(compact(1_250_000), "1250k");
        assert_eq!(compact(12_500_000), "12.5M");
        assert_eq!(compact(7_500_000_000), "7500M");
        assert_eq!(compact(25_000_000_000), "25G");
    }
}
