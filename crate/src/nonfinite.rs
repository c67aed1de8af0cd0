//! What a run does with a step whose loss or gradients hold a NaN or an infinity, chosen per run:
//! - `stop` (the default): record that step's loss, skip its update, end the run there (`divergedAt`);
//! - `skip`: optax's `apply_if_finite(inner, max_consecutive_errors)`: the update is skipped (the
//!   optimizer state untouched); `notfinite_count` counts consecutive such steps and resets at a finite
//!   one, `total_notfinite` counts them all; once `notfinite_count` exceeds `max_consecutive_errors` the
//!   update is applied anyway, as optax does, and the run ends there;
//! - `propagate`: every update is applied, as a bare torch loop does; the counters still count.
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Stop,
    Skip { max_consecutive_errors: u32 },
    Propagate,
}

/// optax requires max_consecutive_errors; this is what a run gets when it gives none.
pub const DEFAULT_MAX_CONSECUTIVE_ERRORS: u32 = 5;

impl Policy {
    pub const NAMES: [&'static str; 3] = ["stop", "skip", "propagate"];

    /// From the run options `nonFinite` ("stop" | "skip" | "propagate", default "stop") and
    /// `maxConsecutiveErrors` (skip only).
    pub fn from_json(policy: Option<&Value>, max_consecutive_errors: Option<&Value>) -> Result<Policy, String> {
        let max = match max_consecutive_errors {
            None => None,
            Some(value) => Some(
                value
                    .as_u64()
                    .filter(|&n| n <= u64::from(u32::MAX))
                    .ok_or_else(|| format!("maxConsecutiveErrors must be a non-negative integer, got {value}"))?
                    as u32,
            ),
        };
        let name = match policy {
            None => "stop",
            Some(value) => value.as_str().filter(|name| Policy::NAMES.contains(name)).ok_or_else(|| {
                format!(
                    "nonFinite must be one of {}, got {value}",
                    Policy::NAMES.map(|n| format!("\"{n}\"")).join(", ")
                )
            })?,
        };
        match (name, max) {
            ("skip", max) => Ok(Policy::Skip { max_consecutive_errors: max.unwrap_or(DEFAULT_MAX_CONSECUTIVE_ERRORS) }),
            (_, Some(_)) => Err(format!("maxConsecutiveErrors applies to nonFinite \"skip\" only, not \"{name}\"")),
            ("propagate", None) => Ok(Policy::Propagate),
            _ => Ok(Policy::Stop),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Policy::Stop => "stop",
            Policy::Skip { .. } => "skip",
            Policy::Propagate => "propagate",
        }
    }
}

/// What to do with the step just evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Apply the update and go on.
    Update,
    /// Leave parameters and optimizer state as they are and go on.
    Skip,
    /// Leave parameters and optimizer state as they are and end the run.
    Stop,
    /// Apply the update (non-finite as it is) and end the run: `skip` giving up.
    UpdateAndStop,
}

/// optax's ApplyIfFiniteState counters, kept for every policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Consecutive non-finite steps up to the latest (optax's `notfinite_count`).
    pub consecutive: u32,
    /// Non-finite steps in all (optax's `total_notfinite`).
    pub total: u32,
    /// Whether the latest step was finite (optax's `last_finite`); true before any step.
    pub last_finite: bool,
}

impl Counters {
    pub fn new() -> Counters {
        Counters { consecutive: 0, total: 0, last_finite: true }
    }
}

/// Counts the step and says what to do with it.
pub fn judge(policy: Policy, counters: &mut Counters, finite: bool) -> Verdict {
    counters.last_finite = finite;
    if finite {
        counters.consecutive = 0;
        return Verdict::Update;
    }
    // optax's safe_int32_increment saturates.
    counters.consecutive = counters.consecutive.saturating_add(1);
    counters.total = counters.total.saturating_add(1);
    match policy {
        Policy::Stop => Verdict::Stop,
        Policy::Propagate => Verdict::Update,
        Policy::Skip { max_consecutive_errors } if counters.consecutive > max_consecutive_errors => {
            Verdict::UpdateAndStop
        }
        Policy::Skip { .. } => Verdict::Skip,
    }
}

/// True when every value is finite: one pass that vectorizes (x·0 is 0 for a finite x, NaN otherwise).
pub fn all_finite(values: &[f32]) -> bool {
    values.iter().fold(0.0f32, |acc, &v| acc + v * 0.0) == 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// optax.apply_if_finite(max_consecutive_errors=2) fed finite, NaN, NaN, finite, NaN, NaN, NaN:
    /// notfinite_count 0 1 2 0 1 2 3, total_notfinite 0 1 2 2 3 4 5; the update is rejected at the NaN
    /// steps until notfinite_count > 2, where it is applied.
    #[test]
    fn skip_counts_like_optax_apply_if_finite() {
        let policy = Policy::Skip { max_consecutive_errors: 2 };
        let mut counters = Counters::new();
        let steps = [true, false, false, true, false, false, false];
        let verdicts: Vec<Verdict> = steps.iter().map(|&finite| judge(policy, &mut counters, finite)).collect();
        use Verdict::*;
        assert_eq!(verdicts, [Update, Skip, Skip, Update, Skip, Skip, UpdateAndStop]);
        assert_eq!(counters, Counters { consecutive: 3, total: 5, last_finite: false });
    }

    #[test]
    fn stop_and_propagate() {
        let mut counters = Counters::new();
        assert_eq!(judge(Policy::Stop, &mut counters, true), Verdict::Update);
        assert_eq!(judge(Policy::Stop, &mut counters, false), Verdict::Stop);
        let mut counters = Counters::new();
        let verdicts: Vec<Verdict> =
            [false, false, true].iter().map(|&f| judge(Policy::Propagate, &mut counters, f)).collect();
        assert_eq!(verdicts, [Verdict::Update; 3]);
        assert_eq!(counters, Counters { consecutive: 0, total: 2, last_finite: true });
    }

    #[test]
    fn options_and_their_errors() {
        let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(Policy::from_json(None, None), Ok(Policy::Stop));
        assert_eq!(Policy::from_json(Some(&json("\"skip\"")), None), Ok(Policy::Skip { max_consecutive_errors: 5 }));
        assert_eq!(
            Policy::from_json(Some(&json("\"skip\"")), Some(&json("0"))),
            Ok(Policy::Skip { max_consecutive_errors: 0 })
        );
        assert_eq!(Policy::from_json(Some(&json("\"propagate\"")), None), Ok(Policy::Propagate));
        assert_eq!(
            Policy::from_json(Some(&json("\"ignore\"")), None).unwrap_err(),
            "nonFinite must be one of \"stop\", \"skip\", \"propagate\", got \"ignore\""
        );
        assert_eq!(
            Policy::from_json(None, Some(&json("3"))).unwrap_err(),
            "maxConsecutiveErrors applies to nonFinite \"skip\" only, not \"stop\""
        );
        assert_eq!(
            Policy::from_json(Some(&json("\"skip\"")), Some(&json("-1"))).unwrap_err(),
            "maxConsecutiveErrors must be a non-negative integer, got -1"
        );
    }

    #[test]
    fn all_finite_finds_any_nan_or_infinity() {
        assert!(all_finite(&[0.0, -1.0, f32::MAX]));
        assert!(all_finite(&[]));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut values = vec![1.0; 37];
            values[29] = bad;
            assert!(!all_finite(&values));
        }
    }
}
