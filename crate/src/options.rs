//! The crate's one reader of JSON options: the torch keyword arguments of optimizers and lr schedules, the
//! trainer's config and the LR finder's options. It checks every name against the accepted ones and every
//! value against the type asked for, and reports what it refuses as an [`OptionError`]; each caller words
//! that for its users (torch's wording for optimizers and schedules).
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// What a reader refuses.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionError {
    /// A name that is not one of `valid`.
    Unknown { key: String, valid: &'static [&'static str] },
    /// A value of another type than the option's; `got` is the value as JSON.
    WrongType { key: String, expected: &'static str, got: String },
}

/// The plain wording; optimizers and schedules word it as torch does instead.
impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionError::Unknown { key, valid } => {
                write!(f, "unknown option '{key}'; valid options: {}", valid.join(", "))
            }
            OptionError::WrongType { key, expected, got } => write!(f, "{key} must be {expected}, got {got}"),
        }
    }
}

impl std::error::Error for OptionError {}

/// A value an option can hold: how it is read from JSON, written back (for defaults), and named in errors
/// and in the TypeScript types generated from the optimizers' option lists.
pub trait OptionValue: Sized {
    /// What the error says the value must be: "a number", "true or false", …
    const EXPECTED: &'static str;
    /// Its TypeScript type: "number", "[number, number]", …
    const TYPESCRIPT: &'static str;
    /// The value, or `None` when `value` is of another type.
    fn from_json(value: &Value) -> Option<Self>;
    fn to_json(&self) -> Value;
    /// A reference option optimlab does not take yet: any value `from_json` refuses is "not supported yet".
    const NOT_SUPPORTED: bool = false;
}

/// `impl OptionValue` from the three things that differ: the error's wording, the TypeScript type and the reader.
macro_rules! option_value {
    ($type:ty, $expected:literal, $typescript:literal, |$value:ident| $read:expr) => {
        impl OptionValue for $type {
            const EXPECTED: &'static str = $expected;
            const TYPESCRIPT: &'static str = $typescript;
            fn from_json($value: &Value) -> Option<Self> {
                $read
            }
            fn to_json(&self) -> Value {
                serde_json::json!(self)
            }
        }
    };
}

/// A whole number as torch's `int` options take it, written `5` or `5.0`.
fn whole(value: &Value) -> Option<i64> {
    let number = value.as_f64()?;
    (number.fract() == 0.0 && number.abs() < 9.0e15).then_some(number as i64)
}

/// Either element of a list that may be null (`[null, 0.001]`).
fn number_or_null(value: &Value) -> Option<Option<f64>> {
    if value.is_null() {
        Some(None)
    } else {
        value.as_f64().map(Some)
    }
}

fn list<T>(value: &Value, item: impl Fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    value.as_array()?.iter().map(item).collect()
}

fn pair<T>(value: &Value, item: impl Fn(&Value) -> Option<T>) -> Option<(T, T)> {
    match value.as_array()?.as_slice() {
        [a, b] => Some((item(a)?, item(b)?)),
        _ => None,
    }
}

option_value!(f64, "a number", "number", |value| value.as_f64());
option_value!(bool, "true or false", "boolean", |value| value.as_bool());
/// A count held in a `usize`: on wasm32 a larger number is refused, never cut to its low 32 bits.
fn count(value: &Value) -> Option<usize> {
    value.as_u64().and_then(|n| usize::try_from(n).ok())
}

option_value!(usize, "a non-negative integer", "number", |value| count(value));
option_value!(u64, "a non-negative integer", "number", |value| value.as_u64());
option_value!(i64, "an integer", "number", |value| whole(value));
option_value!(String, "a string", "string", |value| value.as_str().map(str::to_string));
option_value!(Option<f64>, "a number or null", "number | null", |value| number_or_null(value));
option_value!(Option<usize>, "a non-negative integer or null", "number | null", |value| match value {
    Value::Null => Some(None),
    _ => count(value).map(Some),
});
option_value!(Option<String>, "a string or null", "string | null", |value| match value {
    Value::Null => Some(None),
    _ => value.as_str().map(|text| Some(text.to_string())),
});
option_value!((f64, f64), "a pair of numbers [a, b]", "[number, number]", |value| pair(value, Value::as_f64));
option_value!((Option<f64>, Option<f64>), "a pair of numbers [a, b]", "[number | null, number | null]", |value| {
    pair(value, number_or_null)
});
option_value!(Vec<f64>, "a list of numbers", "number[]", |value| list(value, Value::as_f64));
option_value!(Vec<i64>, "a list of integers", "number[]", |value| list(value, whole));

/// One set of options: a JSON object whose names were checked against the accepted ones.
pub struct JsonOptions<'a> {
    values: Cow<'a, Map<String, Value>>,
    /// torch's schedulers take `None` for "the default"; optimizers and the trainer refuse a null number.
    null_is_absent: bool,
}

impl<'a> JsonOptions<'a> {
    /// Checks every name is one of `valid`, so a misspelt option never passes silently.
    pub fn new(values: Cow<'a, Map<String, Value>>, valid: &'static [&'static str]) -> Result<Self, OptionError> {
        if let Some(unknown) = values.keys().find(|key| !valid.contains(&key.as_str())) {
            return Err(OptionError::Unknown { key: unknown.clone(), valid });
        }
        Ok(JsonOptions { values, null_is_absent: false })
    }

    /// Reads a null option as an absent one (Python's `None` for "the default").
    pub fn nulls_as_absent(mut self) -> Self {
        self.null_is_absent = true;
        self
    }

    /// The option's JSON value when it is given.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.values.get(key).filter(|value| !(self.null_is_absent && value.is_null()))
    }

    /// The option's value, `None` when it is not given.
    pub fn optional<T: OptionValue>(&self, key: &str) -> Result<Option<T>, OptionError> {
        match self.value(key) {
            None => Ok(None),
            Some(value) => T::from_json(value).map(Some).ok_or_else(|| OptionError::WrongType {
                key: key.to_string(),
                expected: T::EXPECTED,
                got: value.to_string(),
            }),
        }
    }

    /// The option's value, `default` when it is not given.
    pub fn get<T: OptionValue>(&self, key: &str, default: T) -> Result<T, OptionError> {
        Ok(self.optional(key)?.unwrap_or(default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options(value: Value, valid: &'static [&'static str]) -> Result<JsonOptions<'static>, OptionError> {
        let Value::Object(map) = value else { panic!("an object") };
        JsonOptions::new(Cow::Owned(map), valid)
    }

    #[test]
    fn names_are_checked_against_the_valid_ones() {
        let error = options(json!({"lr": 1, "momentun": 0.9}), &["lr", "momentum"]).err();
        assert_eq!(error, Some(OptionError::Unknown { key: "momentun".into(), valid: &["lr", "momentum"] }));
    }

    #[test]
    fn values_are_read_by_type_and_refused_with_what_they_must_be() {
        let o = options(json!({"a": 0.5, "b": [1, null], "c": 5.0, "d": null, "e": "x"}), &["a", "b", "c", "d", "e"])
            .unwrap();
        assert_eq!(o.get("a", 1.0), Ok(0.5));
        assert_eq!(o.get("z", 1.0), Ok(1.0));
        assert_eq!(o.get::<(Option<f64>, Option<f64>)>("b", (None, None)), Ok((Some(1.0), None)));
        assert_eq!(o.get::<i64>("c", 0), Ok(5));
        assert_eq!(o.get::<Option<f64>>("d", Some(1.0)), Ok(None));
        assert_eq!(
            o.get::<usize>("c", 0),
            Err(OptionError::WrongType { key: "c".into(), expected: "a non-negative integer", got: "5.0".into() })
        );
        assert_eq!(
            o.get::<f64>("d", 0.0),
            Err(OptionError::WrongType { key: "d".into(), expected: "a number", got: "null".into() })
        );
        assert_eq!(o.optional::<String>("e"), Ok(Some("x".to_string())));
        assert_eq!(o.optional::<String>("z"), Ok(None));
        assert_eq!(o.nulls_as_absent().get::<f64>("d", 2.0), Ok(2.0));
    }
}
