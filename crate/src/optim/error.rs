//! What an optimizer refuses, and numbers printed the way its messages print them (JavaScript's `String(x)`).
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum OptimError {
    /// An option value torch rejects; the message is torch's (`Invalid learning rate: -1`).
    Invalid(String),
    UnknownOption {
        optimizer: String,
        option: String,
        valid: Vec<&'static str>,
    },
    WrongType {
        option: String,
        expected: &'static str,
        got: String,
    },
    /// An option of the reference's signature (optax's) that optimlab does not take yet, given a value other than
    /// its default.
    NotSupported {
        optimizer: String,
        option: String,
    },
    UnknownOptimizer {
        name: String,
        known: Vec<&'static str>,
    },
    ParamGroups(String),
    /// The slots given to `step` do not match the tensors the optimizer was built for.
    Slots(String),
    State(String),
    ClosureUnsupported(String),
    /// The caller's closure failed (threw); the message is its error's.
    Closure(String),
}

impl fmt::Display for OptimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptimError::Invalid(message) => f.write_str(message),
            OptimError::UnknownOption { optimizer, option, valid } => {
                write!(f, "Unknown option '{option}' for {optimizer}; valid options: {}", valid.join(", "))
            }
            OptimError::WrongType { option, expected, got } => {
                write!(f, "Option '{option}' must be {expected}, got {got}")
            }
            OptimError::NotSupported { optimizer, option } => {
                write!(f, "optax option '{option}' of {optimizer} is not supported yet")
            }
            OptimError::UnknownOptimizer { name, known } => {
                write!(f, "Unknown optimizer '{name}'; known: {}", known.join(", "))
            }
            OptimError::ParamGroups(message) => write!(f, "param_groups: {message}"),
            OptimError::Slots(message) => write!(f, "optimizer step: {message}"),
            OptimError::State(message) => write!(f, "optimizer state: {message}"),
            OptimError::ClosureUnsupported(name) => {
                write!(f, "{name} does not take a closure; call step() instead")
            }
            OptimError::Closure(message) => write!(f, "closure: {message}"),
        }
    }
}

impl std::error::Error for OptimError {}

/// Prints a number the way JavaScript's `String(x)` does (`-1`, `0.25`, `1e-8`,
/// `3.3000000000000003`), so messages read the same in Rust and TypeScript.
pub fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    // `{:e}` gives the shortest round-trip digits: "-2.5e-10", "3.3000000000000003e0".
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exponent + 1; // value = 0.digits × 10^n
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let sign = if n - 1 < 0 { '-' } else { '+' };
        let tail = if k > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        format!("{}{tail}e{sign}{}", &digits[..1], (n - 1).abs())
    };
    if x < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::js_number;

    #[test]
    fn numbers_print_the_javascript_way() {
        let cases = [
            (-1.0, "-1"),
            (0.25, "0.25"),
            (1e-8, "1e-8"),
            (-2.5e-10, "-2.5e-10"),
            (3.3000000000000003, "3.3000000000000003"),
            (-2.4999999999999998e-06, "-0.0000024999999999999998"),
            (1e-6, "0.000001"),
            (1e21, "1e+21"),
            (123456.0, "123456"),
            (0.0, "0"),
        ];
        for (x, printed) in cases {
            assert_eq!(js_number(x), printed);
        }
    }
}
