//! Each optimizer declares its options once, with [`options!`]: name, type, default and torch's (or optax's)
//! doc line. The macro writes the `Config` struct, the accepted names, the reader and the option list that
//! `describe()` reports and ts/optimizers.ts is generated from.
use super::OptimError;
use crate::options::{JsonOptions, OptionError, OptionValue};
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// The options of one optimizer, declared with [`options!`].
pub trait OptionSet: Sized {
    /// The accepted names in declaration order, the order of the "valid options" error and of `describe()`.
    const NAMES: &'static [&'static str];
    /// The TypeScript interface's name without "Options": "Sgd" for `SgdOptions`.
    const TYPE_NAME: &'static str;
    /// What the optimizer is, the struct's doc lines ("Options of torch.optim.SGD: …").
    const SUMMARY: &'static [&'static str];
    /// Reads one param group's options, each name's default where it is absent.
    fn read(options: &Options) -> Result<Self, OptimError>;
    /// Every option: name, TypeScript type, default (null where there is none) and doc line.
    fn describe() -> Vec<Value>;
}

/// The options of one param group (the top-level options with the group's overrides on top), read with the
/// crate's options reader; errors are worded for optimizers ("Option 'lr' must be a number, got \"fast\"").
pub struct Options {
    optimizer: &'static str,
    values: JsonOptions<'static>,
}

impl From<(&'static str, OptionError)> for OptimError {
    fn from((optimizer, error): (&'static str, OptionError)) -> Self {
        match error {
            OptionError::Unknown { key, valid } => {
                OptimError::UnknownOption { optimizer: optimizer.to_string(), option: key, valid: valid.to_vec() }
            }
            OptionError::WrongType { key, expected, got } => OptimError::WrongType { option: key, expected, got },
        }
    }
}

impl Options {
    /// Checks every key is one of `valid`, so a misspelt option never passes silently.
    pub fn new(
        optimizer: &'static str,
        map: Map<String, Value>,
        valid: &'static [&'static str],
    ) -> Result<Self, OptimError> {
        let values = JsonOptions::new(Cow::Owned(map), valid).map_err(|error| (optimizer, error))?;
        Ok(Options { optimizer, values })
    }

    /// The option's value, `default` when absent.
    pub fn get<T: OptionValue>(&self, name: &str, default: T) -> Result<T, OptimError> {
        self.values.get(name, default).map_err(|error| match error {
            OptionError::WrongType { key, .. } if T::NOT_SUPPORTED => {
                OptimError::NotSupported { optimizer: self.optimizer.to_string(), option: key }
            }
            error => (self.optimizer, error).into(),
        })
    }

    /// optax's `learning_rate`, also accepted under torch's name `lr` (giving both is an error); `default` is
    /// optax's default, `None` where optax requires one. Checked with torch's wording.
    pub fn optax_learning_rate(&self, default: Option<f64>) -> Result<f64, OptimError> {
        let optimizer = self.optimizer;
        let value = match (self.get("learning_rate", None)?, self.get("lr", None)?) {
            (Some(_), Some(_)) => {
                return Err(OptimError::Invalid(format!("{optimizer}: give learning_rate or its alias lr, not both")))
            }
            (Some(lr), None) | (None, Some(lr)) => lr,
            (None, None) => {
                default.ok_or_else(|| OptimError::Invalid(format!("{optimizer} requires learning_rate (or lr)")))?
            }
        };
        super::non_negative(value, "Invalid learning rate")?;
        Ok(value)
    }
}

/// An optax option optimlab does not take yet, accepted at its default only (absent or `null`); any other value is
/// refused with "optax option 'mask' of lamb is not supported yet" (`OptimError::NotSupported`).
#[derive(Clone, Debug)]
pub struct NotYet;

impl OptionValue for NotYet {
    const EXPECTED: &'static str = "null";
    const TYPESCRIPT: &'static str = "null";
    const NOT_SUPPORTED: bool = true;
    fn from_json(value: &Value) -> Option<Self> {
        value.is_null().then_some(NotYet)
    }
    fn to_json(&self) -> Value {
        Value::Null
    }
}

/// optax's boolean masks that default to every tensor (lars's `weight_decay_mask`, `trust_ratio_mask`): only
/// `true` is taken yet.
#[derive(Clone, Debug)]
pub struct AllTensors;

impl OptionValue for AllTensors {
    const EXPECTED: &'static str = "true";
    const TYPESCRIPT: &'static str = "true";
    const NOT_SUPPORTED: bool = true;
    fn from_json(value: &Value) -> Option<Self> {
        (value == &Value::Bool(true)).then_some(AllTensors)
    }
    fn to_json(&self) -> Value {
        Value::Bool(true)
    }
}

/// optax's `mu_dtype` / `state_dtype`: the state's dtype, `null` (the parameters', float32 here) or "float32";
/// other dtypes are not supported yet.
#[derive(Clone, Debug)]
pub struct Float32State;

impl OptionValue for Float32State {
    const EXPECTED: &'static str = "null or \"float32\"";
    const TYPESCRIPT: &'static str = "\"float32\" | null";
    const NOT_SUPPORTED: bool = true;
    fn from_json(value: &Value) -> Option<Self> {
        (value.is_null() || value == "float32").then_some(Float32State)
    }
    fn to_json(&self) -> Value {
        Value::Null
    }
}

/// One option as `describe()` reports it; `doc` is the declaration's doc comment, its lines joined.
pub fn describe_option<T: OptionValue>(name: &str, typescript: &str, default: T, doc: &[&str]) -> Value {
    let doc: Vec<&str> = doc.iter().map(|line| line.trim()).collect();
    json!({"name": name, "type": typescript, "default": default.to_json(), "doc": doc.join(" ")})
}

/// optax's `learning_rate` and its alias `lr` as `describe()` reports them.
pub fn describe_optax_learning_rate(default: Option<f64>) -> [Value; 2] {
    let (rate, alias) = match default {
        None => (" Required: give it or its alias `lr`.", ". Required: give it or `learning_rate`."),
        Some(_) => ("", "; give one of the two."),
    };
    [
        describe_option("learning_rate", "number", default, &[&format!("Learning rate γ (optax's name).{rate}")]),
        describe_option("lr", "number", default, &[&format!("Alias of `learning_rate` (torch's name){alias}")]),
    ]
}

/// Declares an optimizer's options once:
///
/// ```text
/// options! {
///     /// Options of torch.optim.SGD: stochastic gradient descent, with optional (Nesterov) momentum.
///     pub struct Config as Sgd {
///         /// Learning rate γ.
///         lr: f64 = 1e-3,
///         /// Line search: "strong_wolfe", or null for fixed steps of lr. Default null.
///         line_search_fn: Option<String> as "\"strong_wolfe\" | null" = None,
///     }
/// }
/// ```
///
/// Each option is a field of `Config` read under its own name with its default; its type is any
/// [`OptionValue`] (float, int, bool, pair, optional float, list, string), `as "…"` narrows its TypeScript
/// type (a string enum, a tuple of fixed length). `Sgd` names the TypeScript interface (`SgdOptions`) and the
/// struct's doc line is the optimizer's summary. optax's optimizers start with `learning_rate: optax = None,`
/// (or `Some(default)`): the learning rate with torch's alias `lr`, required when the default is `None`.
/// A doc line of an option without a default says what happens when it is absent ("Default null: …").
macro_rules! options {
    (@build [$($summary:literal)*] $config:ident $type_name:ident
        [$($rate:ident $alias:ident $rate_default:expr)?]
        $($(#[doc = $doc:literal])* $field:ident : $type:ty $(as $typescript:literal)? = $default:expr),* $(,)?
    ) => {
        $(#[doc = $summary])*
        #[derive(Clone, Debug)]
        pub struct $config {
            $(
                /// The learning rate, optax's `learning_rate` or torch's `lr`.
                pub $rate: f64,
            )?
            $($(#[doc = $doc])* pub $field: $type,)*
        }

        impl $crate::optim::OptionSet for $config {
            const NAMES: &'static [&'static str] =
                &[$(stringify!($rate), stringify!($alias),)? $(stringify!($field)),*];
            const TYPE_NAME: &'static str = stringify!($type_name);
            const SUMMARY: &'static [&'static str] = &[$($summary),*];

            fn read(o: &$crate::optim::Options) -> Result<Self, $crate::optim::OptimError> {
                Ok($config {
                    $($rate: o.optax_learning_rate($rate_default)?,)?
                    $($field: o.get::<$type>(stringify!($field), $default)?,)*
                })
            }

            fn describe() -> Vec<serde_json::Value> {
                [
                    $($crate::optim::describe_optax_learning_rate($rate_default).to_vec(),)?
                    vec![$($crate::optim::describe_option::<$type>(
                        stringify!($field),
                        [$($typescript,)? <$type as $crate::options::OptionValue>::TYPESCRIPT][0],
                        $default,
                        &[$($doc),*],
                    )),*],
                ]
                .concat()
            }
        }
    };
    (
        $(#[doc = $summary:literal])*
        pub struct $config:ident as $type_name:ident { learning_rate: optax = $rate_default:expr, $($options:tt)* }
    ) => {
        $crate::optim::options!(@build [$($summary)*] $config $type_name [learning_rate lr $rate_default] $($options)*);
    };
    ($(#[doc = $summary:literal])* pub struct $config:ident as $type_name:ident { $($options:tt)* }) => {
        $crate::optim::options!(@build [$($summary)*] $config $type_name [] $($options)*);
    };
}
pub(crate) use options;
