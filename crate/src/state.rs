//! Checkpoints: a small versioned little-endian binary format holding everything a trainer needs to
//! continue exactly where it stopped (weights, optimizer state, rng seed, step, loss history).
//!
//! Layout (version 1): "OPTIMLAB" · u32 version · str optimizer · u32 n · n×u32 layers · u32 batchSize ·
//! f32 normalize · u64 seed · u64 stepsDone · i64 divergedAt (−1: none) · f32s weights · f32s history ·
//! bytes optimizer state; a str/f32s/bytes is a u64 count followed by the items.
//! Version 2 appends: f32s lr history · str schedule spec (JSON `{name, ...options}`, empty: none) ·
//! u64 schedule steps · f64s schedule metrics. Version 1 files load with an unknown (NaN) lr history.
//! Version 3 appends: str model (the JSON layer list; empty for the MLP, which `layers` describes) · u32
//! consecutive and u32 total non-finite steps · u8 last step finite. Older files load with no model and fresh counters.
use crate::nonfinite::Counters;
use std::fmt;

// The same length-prefixed little-endian encoding as the optimizer state blobs embedded in a checkpoint.
use crate::optim::{put_f32s, put_u64};

const MAGIC: &[u8; 8] = b"OPTIMLAB";
pub const VERSION: u32 = 3;

/// A schedule's position, kept as what it was fed: rebuilt from `spec` and stepped `steps` times
/// (with `metrics`, for ReduceLROnPlateau), it is in the very state it was saved in.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleState {
    /// `{"name": ..., ...options}` as the trainer was configured.
    pub spec: String,
    pub steps: u64,
    pub metrics: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub optimizer: String,
    pub layers: Vec<usize>,
    /// The model's JSON layer list, empty for the MLP of `layers`.
    pub model: String,
    pub batch_size: usize,
    pub normalize: f32,
    /// The trainer's seed: with the step count it fixes the rng state (each epoch's shuffle is
    /// drawn from a generator derived from seed and epoch).
    pub seed: u64,
    pub steps_done: u64,
    pub diverged_at: Option<u64>,
    pub weights: Vec<f32>,
    pub history: Vec<f32>,
    pub optimizer_state: Vec<u8>,
    /// The lr in force at each step of `history` (NaN when read from a version-1 checkpoint).
    pub lrs: Vec<f32>,
    pub schedule: Option<ScheduleState>,
    /// The non-finite policy's counters (optax's apply_if_finite state).
    pub counters: Counters,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateError(pub String);

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "loadState: {}", self.0)
    }
}

impl std::error::Error for StateError {}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u64(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_f64s(out: &mut Vec<u8>, values: &[f64]) {
    put_u64(out, values.len() as u64);
    values.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StateError> {
        if self.rest.len() < n {
            return Err(StateError("the checkpoint is truncated".into()));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], StateError> {
        let mut bytes = [0; N];
        bytes.copy_from_slice(self.take(N)?);
        Ok(bytes)
    }

    fn u32(&mut self) -> Result<u32, StateError> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, StateError> {
        self.array().map(u64::from_le_bytes)
    }

    /// A count that must fit in what is left (each item at least `item_size` bytes), so a corrupt
    /// count fails cleanly instead of asking for an enormous allocation.
    fn count(&mut self, item_size: usize) -> Result<usize, StateError> {
        let n = self.u64()?;
        if n > (self.rest.len() / item_size) as u64 {
            return Err(StateError("the checkpoint is truncated".into()));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self) -> Result<&'a [u8], StateError> {
        let n = self.count(1)?;
        self.take(n)
    }

    fn f32s(&mut self) -> Result<Vec<f32>, StateError> {
        let n = self.count(4)?;
        Ok(self.take(4 * n)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    fn f64s(&mut self) -> Result<Vec<f64>, StateError> {
        let n = self.count(8)?;
        Ok(self.take(8 * n)?.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
    }
}

impl Checkpoint {
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(64 + 4 * (self.weights.len() + self.history.len()) + self.optimizer_state.len());
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, VERSION);
        put_bytes(&mut out, self.optimizer.as_bytes());
        put_u32(&mut out, self.layers.len() as u32);
        self.layers.iter().for_each(|&n| put_u32(&mut out, n as u32));
        put_u32(&mut out, self.batch_size as u32);
        out.extend_from_slice(&self.normalize.to_le_bytes());
        put_u64(&mut out, self.seed);
        put_u64(&mut out, self.steps_done);
        out.extend_from_slice(&self.diverged_at.map_or(-1i64, |s| s as i64).to_le_bytes());
        put_f32s(&mut out, &self.weights);
        put_f32s(&mut out, &self.history);
        put_bytes(&mut out, &self.optimizer_state);
        put_f32s(&mut out, &self.lrs);
        let none = ScheduleState { spec: String::new(), steps: 0, metrics: Vec::new() };
        let schedule = self.schedule.as_ref().unwrap_or(&none);
        put_bytes(&mut out, schedule.spec.as_bytes());
        put_u64(&mut out, schedule.steps);
        put_f64s(&mut out, &schedule.metrics);
        put_bytes(&mut out, self.model.as_bytes());
        put_u32(&mut out, self.counters.consecutive);
        put_u32(&mut out, self.counters.total);
        out.push(u8::from(self.counters.last_finite));
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Checkpoint, StateError> {
        let mut r = Reader { rest: bytes };
        if r.take(MAGIC.len()).ok() != Some(MAGIC.as_slice()) {
            return Err(StateError("not an optimlab checkpoint".into()));
        }
        let version = r.u32()?;
        if version == 0 {
            return Err(StateError("checkpoint format version 0 does not exist (the first is 1)".into()));
        }
        if version > VERSION {
            return Err(StateError(format!(
                "checkpoint format version {version} is newer than this build's ({VERSION}); update optimlab"
            )));
        }
        let optimizer =
            String::from_utf8(r.bytes()?.to_vec()).map_err(|_| StateError("the optimizer name is not UTF-8".into()))?;
        let layer_count = r.u32()? as usize;
        if layer_count > r.rest.len() / 4 {
            return Err(StateError("the checkpoint is truncated".into()));
        }
        let layers = (0..layer_count).map(|_| r.u32().map(|n| n as usize)).collect::<Result<_, _>>()?;
        let batch_size = r.u32()? as usize;
        let normalize = f32::from_le_bytes(r.array()?);
        let seed = r.u64()?;
        let steps_done = r.u64()?;
        let diverged = i64::from_le_bytes(r.array()?);
        let weights = r.f32s()?;
        let history = r.f32s()?;
        let optimizer_state = r.bytes()?.to_vec();
        let (lrs, schedule) = if version >= 2 {
            let lrs = r.f32s()?;
            let spec =
                String::from_utf8(r.bytes()?.to_vec()).map_err(|_| StateError("the schedule is not UTF-8".into()))?;
            let (steps, metrics) = (r.u64()?, r.f64s()?);
            (lrs, (!spec.is_empty()).then_some(ScheduleState { spec, steps, metrics }))
        } else {
            (vec![f32::NAN; history.len()], None)
        };
        let (model, counters) = if version >= 3 {
            let model =
                String::from_utf8(r.bytes()?.to_vec()).map_err(|_| StateError("the model is not UTF-8".into()))?;
            let (consecutive, total) = (r.u32()?, r.u32()?);
            let [last_finite] = r.array::<1>()?;
            (model, Counters { consecutive, total, last_finite: last_finite != 0 })
        } else {
            (String::new(), Counters::new())
        };
        if !r.rest.is_empty() {
            return Err(StateError(format!("{} unexpected bytes after the checkpoint", r.rest.len())));
        }
        Ok(Checkpoint {
            optimizer,
            layers,
            batch_size,
            normalize,
            seed,
            steps_done,
            diverged_at: u64::try_from(diverged).ok(),
            weights,
            history,
            optimizer_state,
            lrs,
            schedule,
            model,
            counters,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn sample() -> Checkpoint {
        Checkpoint {
            optimizer: "adam".into(),
            layers: vec![4, 3, 2],
            model: String::new(),
            batch_size: 8,
            normalize: 255.0,
            seed: u64::MAX - 3,
            steps_done: 17,
            diverged_at: None,
            weights: vec![0.5, -1.25, f32::MIN_POSITIVE],
            history: vec![2.0, 1.5],
            optimizer_state: vec![1, 2, 3],
            lrs: vec![0.1, 0.05],
            schedule: Some(ScheduleState {
                spec: r#"{"name":"StepLR","step_size":1}"#.into(),
                steps: 2,
                metrics: vec![0.25],
            }),
            counters: Counters { consecutive: 1, total: 4, last_finite: false },
        }
    }

    #[test]
    fn round_trips_exactly() {
        let mut checkpoint = sample();
        assert_eq!(Checkpoint::decode(&checkpoint.encode()), Ok(checkpoint.clone()));
        checkpoint.diverged_at = Some(16);
        assert_eq!(Checkpoint::decode(&checkpoint.encode()), Ok(checkpoint.clone()));
        checkpoint.schedule = None;
        assert_eq!(Checkpoint::decode(&checkpoint.encode()), Ok(checkpoint.clone()));
        checkpoint.model = r#"{"input":[4],"layers":[{"type":"linear","in":4,"out":2}],"loss":"mse"}"#.into();
        assert_eq!(Checkpoint::decode(&checkpoint.encode()), Ok(checkpoint));
    }

    #[test]
    fn version_1_checkpoints_load_without_lrs_or_schedule() {
        let mut checkpoint = sample();
        checkpoint.schedule = None;
        let mut bytes = checkpoint.encode();
        // Version 1 ends after the optimizer state: drop the lr history (8 + 2·4 bytes), the empty schedule
        // (8 + 8 + 8 bytes) and version 3's empty model and counters (8 + 4 + 4 + 1 bytes).
        bytes.truncate(bytes.len() - 16 - 24 - 17);
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        let loaded = Checkpoint::decode(&bytes).unwrap();
        assert_eq!((loaded.history.clone(), loaded.schedule.clone()), (checkpoint.history, None));
        assert_eq!(loaded.lrs.len(), 2);
        assert!(loaded.lrs.iter().all(|lr| lr.is_nan()));
    }

    #[test]
    fn rejects_foreign_truncated_newer_and_padded_files_with_clear_messages() {
        let bytes = sample().encode();
        let message = |b: &[u8]| Checkpoint::decode(b).unwrap_err().to_string();
        assert_eq!(message(b"PK\x03\x04 a zip file"), "loadState: not an optimlab checkpoint");
        assert_eq!(message(&bytes[..bytes.len() - 1]), "loadState: the checkpoint is truncated");
        let mut newer = bytes.clone();
        newer[8..12].copy_from_slice(&4u32.to_le_bytes());
        assert_eq!(
            message(&newer),
            "loadState: checkpoint format version 4 is newer than this build's (3); update optimlab"
        );
        let mut padded = bytes.clone();
        padded.push(0);
        assert_eq!(message(&padded), "loadState: 1 unexpected bytes after the checkpoint");
    }
}
