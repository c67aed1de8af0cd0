//! torch's param groups: which tensors take which options.
use super::{OptimError, Optimizer, OptionSet, Options};
use serde_json::{Map, Value};

/// Splits the tensors into param groups and reads each group's options.
/// Returns the per-group option sets and, for every tensor, its group index.
pub fn param_groups(
    optimizer: &'static str,
    options: &Value,
    tensor_count: usize,
    valid: &'static [&'static str],
) -> Result<(Vec<Options>, Vec<usize>), OptimError> {
    let mut base = match options {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        other => {
            return Err(OptimError::WrongType {
                option: "options".into(),
                expected: "an object of torch keyword arguments",
                got: other.to_string(),
            })
        }
    };
    let groups_value = base.remove("param_groups");
    let groups: &[Value] = match &groups_value {
        None | Some(Value::Null) => &[],
        Some(Value::Array(groups)) => groups,
        Some(_) => return Err(OptimError::ParamGroups("expected a list of {\"params\": [...], ...}".into())),
    };
    let mut group_of = vec![usize::MAX; tensor_count];
    let mut sets = Vec::with_capacity(groups.len() + 1);
    for (g, group) in groups.iter().enumerate() {
        let Value::Object(group) = group else {
            return Err(OptimError::ParamGroups(format!("group {g} is not an object")));
        };
        let Some(Value::Array(params)) = group.get("params") else {
            return Err(OptimError::ParamGroups(format!("group {g} needs \"params\": [tensor indices]")));
        };
        for index in params {
            let i = match index.as_u64() {
                Some(i) if (i as usize) < tensor_count => i as usize,
                _ => {
                    return Err(OptimError::ParamGroups(format!(
                        "group {g}: {index} is not a tensor index (0..{tensor_count})"
                    )))
                }
            };
            if group_of[i] != usize::MAX {
                return Err(OptimError::ParamGroups("some parameters appear in more than one parameter group".into()));
            }
            group_of[i] = g;
        }
        let mut merged = base.clone();
        merged.extend(group.iter().filter(|(k, _)| k.as_str() != "params").map(|(k, v)| (k.clone(), v.clone())));
        sets.push(Options::new(optimizer, merged, valid)?);
    }
    if groups.is_empty() || group_of.contains(&usize::MAX) {
        let default_group = sets.len();
        group_of.iter_mut().filter(|g| **g == usize::MAX).for_each(|g| *g = default_group);
        sets.push(Options::new(optimizer, base, valid)?);
    }
    Ok((sets, group_of))
}

/// An optimizer over all tensors at once that takes one param group only (LBFGS, Prodigy, D-Adaptation).
pub trait SingleGroup: Optimizer + Sized + 'static {
    /// Registry name.
    const NAME: &'static str;
    /// The name torch's refusal of param groups gives it ("LBFGS doesn't support per-parameter options").
    const DISPLAY: &'static str;
    type Options: OptionSet;
    /// Validates the options and sets up the state for tensors of these shapes.
    fn new(options: Self::Options, shapes: &[Vec<usize>]) -> Result<Self, OptimError>;
}

/// Builds a [`SingleGroup`] optimizer, refusing param groups as torch does.
pub(super) fn build_single<O: SingleGroup>(
    options: &Value,
    shapes: &[Vec<usize>],
) -> Result<Box<dyn Optimizer>, OptimError> {
    let (mut sets, _) = param_groups(O::NAME, options, shapes.len(), O::Options::NAMES)?;
    match (sets.pop(), sets.is_empty()) {
        (Some(options), true) => Ok(Box::new(O::new(O::Options::read(&options)?, shapes)?)),
        _ => {
            Err(OptimError::Invalid(format!("{} doesn't support per-parameter options (parameter groups)", O::DISPLAY)))
        }
    }
}
