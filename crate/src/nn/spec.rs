//! Reading one layer's options from its JSON object (`{"type": "conv2d", "kernel_size": 5, …}`), with
//! torch's option names. Errors name the option; the model prefixes the layer.
use serde_json::{Map, Value};

pub type Options = Map<String, Value>;

/// Largest size of any one dimension or option: keeps every product of sizes far from overflow.
pub const MAX_SIZE: usize = 1 << 24;

/// Refuses keys other than `type` and `valid`.
pub fn check_keys(options: &Options, valid: &[&str]) -> Result<(), String> {
    match options.keys().find(|key| *key != "type" && !valid.contains(&key.as_str())) {
        None => Ok(()),
        Some(key) if valid.is_empty() => Err(format!("unknown option '{key}'; this layer takes none")),
        Some(key) => Err(format!("unknown option '{key}'; valid options: {}", valid.join(", "))),
    }
}

fn size(value: &Value, min: usize) -> Option<usize> {
    value.as_u64().filter(|&n| n >= min as u64 && n <= MAX_SIZE as u64).map(|n| n as usize)
}

/// An integer option of at least `min`; `None` when absent.
pub fn integer(options: &Options, key: &str, min: usize) -> Result<Option<usize>, String> {
    options
        .get(key)
        .map(|value| {
            size(value, min).ok_or_else(|| format!("{key} must be an integer from {min} to {MAX_SIZE}, got {value}"))
        })
        .transpose()
}

/// A required integer option of at least `min`.
pub fn required(options: &Options, key: &str, min: usize) -> Result<usize, String> {
    integer(options, key, min)?.ok_or_else(|| format!("{key} is required"))
}

/// torch's `int or (int, int)` options (kernel_size, stride, padding): `[height, width]`.
pub fn pair(options: &Options, key: &str, min: usize) -> Result<Option<[usize; 2]>, String> {
    let Some(value) = options.get(key) else {
        return Ok(None);
    };
    let both = match value {
        Value::Array(items) if items.len() == 2 => size(&items[0], min).zip(size(&items[1], min)).map(|(h, w)| [h, w]),
        single => size(single, min).map(|n| [n, n]),
    };
    both.map(Some)
        .ok_or_else(|| format!("{key} must be an integer from {min} or a pair [height, width] of them, got {value}"))
}

pub fn number(options: &Options, key: &str) -> Result<Option<f64>, String> {
    options
        .get(key)
        .map(|value| {
            value.as_f64().filter(|n| n.is_finite()).ok_or_else(|| format!("{key} must be a number, got {value}"))
        })
        .transpose()
}

pub fn boolean(options: &Options, key: &str) -> Result<Option<bool>, String> {
    options
        .get(key)
        .map(|value| value.as_bool().ok_or_else(|| format!("{key} must be true or false, got {value}")))
        .transpose()
}

/// The element count of a per-sample shape.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// A per-sample shape as `[1, 28, 28]`, or `24 values` when flat.
pub fn describe_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("{n} values"),
        _ => format!("shape {shape:?}"),
    }
}

/// `shape` as `[channels, height, width]`, or an error saying what the layer expects.
pub fn image(shape: &[usize]) -> Result<[usize; 3], String> {
    match *shape {
        [c, h, w] => Ok([c, h, w]),
        _ => {
            Err(format!("expects images [channels, height, width], the previous layer gives {}", describe_shape(shape)))
        }
    }
}
