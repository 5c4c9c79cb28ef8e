//! Capped exponential backoff with full jitter.
//!
//! "Full jitter" (a uniformly random delay between zero and the exponential bound) spreads the
//! retries of jobs that failed together — say, all the SMS of one minute when the gateway was
//! down — so they do not all come back at the same instant and fail together again.

use chrono::Duration;

/// The delay before attempt `attempts + 1`, after `attempts` failed ones (≥ 1): uniform in
/// `[0, min(cap, base · 2^(attempts−1))]`. `unit` is a uniform sample in `[0, 1)`.
pub fn full_jitter(attempts: u32, base: Duration, cap: Duration, unit: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(30);
    let bound_ms = base
        .num_milliseconds()
        .saturating_mul(1_i64 << exponent)
        .min(cap.num_milliseconds())
        .max(0);
    // Precision loss is irrelevant at millisecond delays under a cap of hours.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let ms = (bound_ms as f64 * unit.clamp(0.0, 1.0)) as i64;
    Duration::milliseconds(ms)
}

/// A uniform sample in `[0, 1)` from the OS's random source (0.5 if it is unavailable: a
/// deterministic delay is still a correct one).
pub fn unit_sample() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    #[allow(clippy::cast_precision_loss)]
    let unit = (u64::from_le_bytes(bytes) >> 11) as f64 / (1_u64 << 53) as f64;
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_doubles_per_attempt_up_to_the_cap() {
        let base = Duration::seconds(10);
        let cap = Duration::minutes(5);
        let almost_one = 0.999_999;
        assert_eq!(full_jitter(1, base, cap, almost_one).num_seconds(), 9);
        assert_eq!(full_jitter(2, base, cap, almost_one).num_seconds(), 19);
        assert_eq!(full_jitter(3, base, cap, almost_one).num_seconds(), 39);
        assert_eq!(full_jitter(10, base, cap, almost_one).num_seconds(), 299);
        assert_eq!(full_jitter(200, base, cap, almost_one).num_seconds(), 299);
        assert_eq!(full_jitter(3, base, cap, 0.0), Duration::zero());
    }

    #[test]
    fn samples_are_in_the_unit_interval() {
        for _ in 0..1000 {
            let u = unit_sample();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
