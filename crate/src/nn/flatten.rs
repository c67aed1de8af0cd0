//! torch.nn.Flatten() (start_dim=1): one sample's [C, H, W] becomes C·H·W values. Rows stay where
//! they are in memory (NCHW is already sample-major), so the model folds it away: it only changes the
//! shape the next layer sees.
use super::spec::{self, Options};

/// The flat shape of `input`.
pub fn output_shape(options: &Options, input: &[usize]) -> Result<Vec<usize>, String> {
    spec::check_keys(options, &[])?;
    Ok(vec![spec::numel(input)])
}
