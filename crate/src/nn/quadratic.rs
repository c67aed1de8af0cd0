//! DeepOBS's quadratic "network" (net_quadratic_deep): one parameter θ of `dim` values, initialized to ones, and a
//! fixed matrix Q; a sample x gives 0.5·(θ − x)ᵀQ(θ − x), which is its loss (the model's loss is "mean").
//! ∂/∂θ = ½(Q + Qᵀ)(θ − x), as torch's autograd differentiates the form (Q is symmetric up to rounding).
use super::spec::{self, Options};
use super::{Backward, Forward, Layer, Needs};
use crate::deepobs;
use crate::rng::Rng;
use serde_json::Value;

pub struct Quadratic {
    dim: usize,
    /// Q, row-major dim × dim, float32 as torch holds it.
    q: Vec<f32>,
}

/// The matrices a layer list may name instead of giving one.
const NAMED: [&str; 1] = ["deepobs_deep"];

impl Quadratic {
    /// From `{"type": "quadratic", "hessian": "deepobs_deep" | [[…], …]}` on a flat input of `dim` values: a named
    /// matrix (DeepOBS quadratic_deep's, dim 100) or the rows of a dim × dim matrix.
    pub fn from_options(options: &Options, input: &[usize]) -> Result<Quadratic, String> {
        spec::check_keys(options, &["hessian"])?;
        let [dim] = *input else {
            return Err(format!("expects a flat input, the previous layer gives {}", spec::describe_shape(input)));
        };
        let q: Vec<f32> = match options.get("hessian") {
            Some(Value::String(name)) if name == "deepobs_deep" => {
                if dim != deepobs::DIM {
                    return Err(format!("hessian deepobs_deep is {0} × {0}, the input has {dim} values", deepobs::DIM));
                }
                deepobs::deep_hessian().iter().map(|&v| v as f32).collect()
            }
            Some(Value::Array(rows)) if rows.len() == dim => rows
                .iter()
                .flat_map(|row| match row.as_array() {
                    Some(values) if values.len() == dim => values.iter().map(|v| v.as_f64()).collect::<Vec<_>>(),
                    _ => vec![None],
                })
                .map(|v| v.filter(|v| v.is_finite()).map(|v| v as f32))
                .collect::<Option<_>>()
                .ok_or_else(|| format!("hessian must be {dim} rows of {dim} finite numbers"))?,
            other => {
                return Err(format!(
                    "hessian must be one of {} or {dim} rows of {dim} numbers, got {}",
                    NAMED.join(", "),
                    other.unwrap_or(&Value::Null)
                ))
            }
        };
        Ok(Quadratic { dim, q })
    }

    /// Q·v and Qᵀ·v into `qv` and `qtv`.
    fn products(&self, v: &[f32], qv: &mut [f32], qtv: &mut [f32]) {
        qtv.fill(0.0);
        for (i, (row, out)) in self.q.chunks_exact(self.dim).zip(qv.iter_mut()).enumerate() {
            *out = row.iter().zip(v).map(|(a, b)| a * b).sum();
            qtv.iter_mut().zip(row).for_each(|(t, &a)| *t += a * v[i]);
        }
    }
}

impl Layer for Quadratic {
    fn kind(&self) -> &'static str {
        "quadratic"
    }

    fn output_shape(&self) -> Vec<usize> {
        vec![1]
    }

    fn param_shapes(&self) -> Vec<Vec<usize>> {
        vec![vec![self.dim]]
    }

    /// torch.ones, as DeepOBS initializes θ.
    fn init(&self, params: &mut [f32], _rng: &mut Rng) {
        params.fill(1.0);
    }

    fn needs(&self, _batch: usize) -> Needs {
        Needs { products: Vec::new(), columns: 3 * self.dim, saved_per_sample: 0 }
    }

    fn forward(&self, pass: Forward<'_>) {
        let Forward { work, x, params, y, batch, .. } = pass;
        let (diff, rest) = work.columns[..3 * self.dim].split_at_mut(self.dim);
        let (qv, _) = rest.split_at_mut(self.dim);
        for (sample, out) in x.chunks_exact(self.dim).zip(y.iter_mut()).take(batch) {
            diff.iter_mut().zip(params.iter().zip(sample)).for_each(|(d, (&t, &s))| *d = t - s);
            for (row, product) in self.q.chunks_exact(self.dim).zip(qv.iter_mut()) {
                *product = row.iter().zip(diff.iter()).map(|(a, b)| a * b).sum();
            }
            *out = 0.5 * diff.iter().zip(qv.iter()).map(|(a, b)| a * b).sum::<f32>();
        }
    }

    fn backward(&self, pass: Backward<'_>) {
        let Backward { work, x, params, dy, grads, mut dx, batch, .. } = pass;
        let (diff, rest) = work.columns[..3 * self.dim].split_at_mut(self.dim);
        let (qv, qtv) = rest.split_at_mut(self.dim);
        grads.fill(0.0);
        for (n, sample) in x.chunks_exact(self.dim).enumerate().take(batch) {
            diff.iter_mut().zip(params.iter().zip(sample)).for_each(|(d, (&t, &s))| *d = t - s);
            self.products(diff, qv, qtv);
            let scale = 0.5 * dy[n];
            for (i, g) in grads.iter_mut().enumerate() {
                let d_theta = scale * (qv[i] + qtv[i]);
                *g += d_theta;
                if let Some(dx) = dx.as_deref_mut() {
                    dx[n * self.dim + i] = -d_theta;
                }
            }
        }
    }
}
