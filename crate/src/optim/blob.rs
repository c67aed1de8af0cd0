//! The bytes of an optimizer state: little-endian numbers and length-prefixed float32 buffers, the
//! [`Persist`] trait every tensor state implements, and [`persist!`] for states made of counters and buffers.
use super::OptimError;

/// Writes and reads one tensor's state inside an optimizer state blob.
pub trait Persist {
    fn save(&self, out: &mut Vec<u8>);
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError>;
}

pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A length-prefixed f32 buffer, little-endian.
pub fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
    put_u64(out, values.len() as u64);
    out.reserve(values.len() * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads what the `put_*` helpers wrote, failing (never panicking) on short or mismatched input.
pub struct BlobReader<'a> {
    bytes: &'a [u8],
}

impl<'a> BlobReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        BlobReader { bytes }
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], OptimError> {
        if self.bytes.len() < n {
            return Err(OptimError::State("the data is truncated".into()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub fn u64(&mut self) -> Result<u64, OptimError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    /// The next u64 without consuming it (e.g. the length of a buffer that may or may not have been allocated).
    pub fn peek_u64(&self) -> Result<u64, OptimError> {
        BlobReader { bytes: self.bytes }.u64()
    }

    /// The u64 length of a run of bytes that follows; a length beyond what is left is refused, so a corrupt
    /// one never becomes an allocation.
    pub fn byte_count(&mut self) -> Result<usize, OptimError> {
        let n = self.u64()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() => Ok(n),
            _ => Err(OptimError::State("the data is truncated".into())),
        }
    }

    pub fn f64(&mut self) -> Result<f64, OptimError> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    /// Fills `into` from a buffer that must have exactly `into.len()` values.
    pub fn f32s_into(&mut self, into: &mut [f32]) -> Result<(), OptimError> {
        self.buffer_length(into.len())?;
        let bytes = self.take(into.len() * 4)?;
        for (v, chunk) in into.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = f32::from_le_bytes(chunk.try_into().expect("4 bytes"));
        }
        Ok(())
    }

    /// A buffer that must have exactly `len` values, allocated only once the bytes for them are there.
    pub fn f32s(&mut self, len: usize) -> Result<Vec<f32>, OptimError> {
        let mut ahead = BlobReader { bytes: self.bytes };
        ahead.buffer_length(len)?;
        ahead.take(len.saturating_mul(4))?;
        let mut values = vec![0.0; len];
        self.f32s_into(&mut values)?;
        Ok(values)
    }

    /// Reads a buffer's length, which must be `expected`.
    fn buffer_length(&mut self, expected: usize) -> Result<(), OptimError> {
        let len = self.u64()?;
        if len != expected as u64 {
            return Err(OptimError::State(format!("a state buffer holds {len} values where {expected} are expected")));
        }
        Ok(())
    }

    /// A buffer saved empty (not allocated yet) or with `len` values.
    pub fn optional_f32s(&mut self, len: usize) -> Result<Vec<f32>, OptimError> {
        self.f32s(if self.peek_u64()? == 0 { 0 } else { len })
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

pub(super) const BLOB_MAGIC: &[u8; 8] = b"OLOPTIM\0";
pub(super) const BLOB_VERSION: u64 = 1;

/// The state of a stateless rule (signSGD, Fromage): nothing to save.
impl Persist for () {
    fn save(&self, _out: &mut Vec<u8>) {}
    fn load(&mut self, _input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        Ok(())
    }
}

/// A state field that [`persist!`] can save: a step counter (`u64`) or a buffer (`Vec<f32>`, loaded
/// only into a buffer of the same length).
pub trait StateField {
    fn put(&self, out: &mut Vec<u8>);
    fn take(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError>;
}

impl StateField for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_u64(out, *self);
    }
    fn take(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        *self = input.u64()?;
        Ok(())
    }
}

impl StateField for Vec<f32> {
    fn put(&self, out: &mut Vec<u8>) {
        put_f32s(out, self);
    }
    fn take(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        input.f32s_into(self)
    }
}

/// `persist!(State { step, exp_avg, exp_avg_sq })` implements [`Persist`] by saving those fields in
/// that order; naming them once keeps save and load in step. Fields are [`StateField`]s; a state with
/// other fields (f32 scalars, buffers allocated lazily) writes its `Persist` by hand.
macro_rules! persist {
    ($state:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::optim::Persist for $state {
            fn save(&self, out: &mut Vec<u8>) {
                $($crate::optim::StateField::put(&self.$field, out);)+
            }
            fn load(&mut self, input: &mut $crate::optim::BlobReader<'_>) -> Result<(), $crate::optim::OptimError> {
                $($crate::optim::StateField::take(&mut self.$field, input)?;)+
                Ok(())
            }
        }
    };
}
pub(crate) use persist;
