//! The update rules hand-written in the notebook "Exploring Optimizers", reproduced as its code
//! runs them (quirks included), so its curves can be explained next to torch's optimizers.
//! Each variant's comment names the quirk and the corrected rule it differs from.
//! Option names follow torch (`lr`, `momentum`, `alpha`, `betas`, `eps`); defaults are the notebook's.
use super::{check_betas, lr_field, non_negative, persist, OptimError, Options, TensorRule};

/// The hyper-parameters of every notebook variant; each variant reads only its own options.
#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub momentum: f64,
    pub alpha: f64,
    pub betas: (f64, f64),
    pub eps: f64,
}

impl Config {
    fn read(o: &Options, d: Config) -> Result<Config, OptimError> {
        let config = Config {
            lr: o.num("lr", d.lr)?,
            momentum: o.num("momentum", d.momentum)?,
            alpha: o.num("alpha", d.alpha)?,
            betas: o.pair("betas", d.betas)?,
            eps: o.num("eps", d.eps)?,
        };
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.momentum, "Invalid momentum value")?;
        non_negative(config.alpha, "Invalid alpha value")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        check_betas(config.betas)?;
        Ok(config)
    }
}

const DEFAULTS: Config = Config { lr: 0.01, momentum: 0.9, alpha: 0.9, betas: (0.9, 0.999), eps: 1e-8 };

/// Velocity or first moment, accumulator or second moment (empty when unused), the step count.
pub struct State {
    step: u64,
    first: Vec<f32>,
    second: Vec<f32>,
}

impl State {
    fn new(shape: &[usize], buffers: usize) -> State {
        let len: usize = shape.iter().product();
        let buffer = |k: usize| vec![0.0; if buffers > k { len } else { 0 }];
        State { step: 0, first: buffer(0), second: buffer(1) }
    }
}

persist!(State { step, first, second });

/// Declares a notebook variant: registry name, options, defaults, state buffers and its update.
macro_rules! notebook_rule {
    ($(#[$doc:meta])* $rule:ident, $name:literal, [$($option:literal),*], $defaults:expr, $buffers:literal,
     |$c:ident, $s:ident, $param:ident, $grad:ident| $update:block) => {
        $(#[$doc])*
        pub struct $rule;

        impl TensorRule for $rule {
            const NAME: &'static str = $name;
            const OPTIONS: &'static [&'static str] = &[$($option),*];
            type Config = Config;
            type State = State;

            fn config(o: &Options) -> Result<Config, OptimError> {
                Config::read(o, $defaults)
            }
            lr_field!(lr);
            fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
                Ok(State::new(shape, $buffers))
            }
            fn update($c: &Config, $s: &mut State, $param: &mut [f32], $grad: &[f32], _shape: &[usize]) $update
        }
    };
}

notebook_rule!(
    /// The notebook's SGD: w ← w − lr·g. No quirk; the same as torch's SGD without momentum.
    NotebookSgd, "notebook_sgd", ["lr"], DEFAULTS, 0,
    |c, _s, param, grad| {
        let lr = c.lr as f32;
        param.iter_mut().zip(grad).for_each(|(w, g)| *w -= lr * g);
    }
);

notebook_rule!(
    /// The notebook's Momentum: v ← ρv + lr·g; w ← w − v. The lr sits inside the velocity, so changing
    /// lr mid-run rescales only new gradients; torch's SGD(momentum) is v ← ρv + g; w ← w − lr·v.
    NotebookMomentum, "notebook_momentum", ["lr", "momentum"], DEFAULTS, 1,
    |c, s, param, grad| {
        let (lr, rho) = (c.lr as f32, c.momentum as f32);
        for ((w, g), v) in param.iter_mut().zip(grad).zip(s.first.iter_mut()) {
            *v = rho * *v + lr * g;
            *w -= *v;
        }
    }
);

notebook_rule!(
    /// The notebook's Nesterov: it shifts w ← w − ρv in place for the look-ahead, but the gradient
    /// comes from the forward pass before the shift, and the shift is never undone; net
    /// w ← w − ρ·v_prev − v_new. Corrected: g at w − ρv, then w ← w − v_new (the shift undone).
    NotebookNesterov, "notebook_nesterov", ["lr", "momentum"], DEFAULTS, 1,
    |c, s, param, grad| {
        let (lr, rho) = (c.lr as f32, c.momentum as f32);
        for ((w, g), v) in param.iter_mut().zip(grad).zip(s.first.iter_mut()) {
            *w -= rho * *v;
            *v = rho * *v + lr * g;
            *w -= *v;
        }
    }
);

notebook_rule!(
    /// The notebook's Adagrad: w ← w − lr·g/√(G + ε) with G from BEFORE this gradient, then G ← G + g²;
    /// the first step divides by √ε = 1e-4 (a 10⁴× jump). Corrected: G ← G + g² first, w ← w − lr·g/(√G + ε).
    NotebookAdagrad, "notebook_adagrad", ["lr", "eps"], DEFAULTS, 1,
    |c, s, param, grad| {
        let (lr, eps) = (c.lr as f32, c.eps as f32);
        for ((w, g), acc) in param.iter_mut().zip(grad).zip(s.first.iter_mut()) {
            *w -= lr * g / (*acc + eps).sqrt();
            *acc += g * g;
        }
    }
);

notebook_rule!(
    /// The notebook's RMSProp: w ← w − lr·g/√(E + ε) with E from BEFORE this gradient, then
    /// E ← αE + (1−α)g²; the first step divides by √ε = 1e-4. Corrected: update E first, then divide.
    NotebookRmsProp, "notebook_rmsprop", ["lr", "alpha", "eps"], Config { lr: 0.001, ..DEFAULTS }, 1,
    |c, s, param, grad| {
        let (lr, eps, alpha) = (c.lr as f32, c.eps as f32, c.alpha as f32);
        let keep = (1.0 - c.alpha) as f32;
        for ((w, g), avg) in param.iter_mut().zip(grad).zip(s.first.iter_mut()) {
            *w -= lr * g / (*avg + eps).sqrt();
            *avg = alpha * *avg + keep * g * g;
        }
    }
);

notebook_rule!(
    /// The notebook's Adam: m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), w ← w − lr·m̂/(√v̂ + ε), eps outside the sqrt
    /// as in the paper; torch folds the corrections into the step size (same rule, other rounding).
    NotebookAdam, "notebook_adam", ["lr", "betas", "eps"], Config { lr: 0.001, ..DEFAULTS }, 2,
    |c, s, param, grad| {
        s.step += 1;
        let (beta1, beta2) = c.betas;
        let t = s.step as f64;
        let (correction1, correction2) = ((1.0 - beta1.powf(t)) as f32, (1.0 - beta2.powf(t)) as f32);
        let (lr, eps, b1, b2) = (c.lr as f32, c.eps as f32, beta1 as f32, beta2 as f32);
        let (keep1, keep2) = ((1.0 - beta1) as f32, (1.0 - beta2) as f32);
        let moments = s.first.iter_mut().zip(s.second.iter_mut());
        for ((w, g), (m, v)) in param.iter_mut().zip(grad).zip(moments) {
            *m = b1 * *m + keep1 * g;
            *v = b2 * *v + keep2 * g * g;
            *w -= lr * (*m / correction1) / ((*v / correction2).sqrt() + eps);
        }
    }
);

#[cfg(test)]
mod tests {
    use crate::optim::{create, Slot};
    use serde_json::json;

    /// Runs `steps` steps of `name` on w = [1, 2] with the constant gradient g = [0.5, -1].
    fn run(name: &str, options: serde_json::Value, steps: usize) -> Vec<f32> {
        let mut opt = create(name, &options, &[vec![2]]).unwrap();
        let (mut w, g) = (vec![1.0f32, 2.0], vec![0.5f32, -1.0]);
        for _ in 0..steps {
            opt.step(&mut [Slot { param: &mut w, grad: &g }]).unwrap();
        }
        w
    }

    fn assert_close(got: &[f32], want: &[f64]) {
        for (g, w) in got.iter().zip(want) {
            assert!((*g as f64 - w).abs() <= 1e-5 * w.abs().max(1.0), "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn adagrad_first_step_divides_by_sqrt_eps() {
        // w − 0.01·g/√(0 + 1e-8) = w − 100·g; torch's Adagrad would move w by 0.01.
        assert_close(&run("notebook_adagrad", json!({"lr": 0.01}), 1), &[-49.0, 102.0]);
        // Second step: G = g², so w − 0.01·g/|g| ≈ w ∓ 0.01.
        assert_close(&run("notebook_adagrad", json!({"lr": 0.01}), 2), &[-49.01, 102.01]);
    }

    #[test]
    fn rmsprop_first_step_divides_by_sqrt_eps() {
        // w − 0.001·g/1e-4 = w − 10·g; then E = 0.1·g², so step two moves by 0.001·|g|/√(0.1 g²) ≈ 0.00316.
        assert_close(&run("notebook_rmsprop", json!({}), 1), &[-4.0, 12.0]);
        let second = 0.001 / (0.1f64).sqrt();
        assert_close(&run("notebook_rmsprop", json!({}), 2), &[-4.0 - second, 12.0 + second]);
    }

    #[test]
    fn momentum_keeps_lr_inside_the_velocity() {
        // v₁ = 0.01·0.5 = 0.005; v₂ = 0.9·0.005 + 0.005 = 0.0095; w = 1 − 0.005 − 0.0095.
        assert_close(&run("notebook_momentum", json!({}), 2), &[0.9855, 2.029]);
    }

    #[test]
    fn nesterov_never_undoes_its_look_ahead_shift() {
        // Step 2 subtracts ρ·v₁ = 0.0045 and v₂ = 0.0095 from w₁ = 0.995: 0.981 (momentum gives 0.9855).
        assert_close(&run("notebook_nesterov", json!({}), 2), &[0.981, 2.038]);
    }

    #[test]
    fn adam_first_step_moves_by_lr() {
        // m̂ = g, v̂ = g², so w − lr·g/(|g| + 1e-8) = w ∓ 0.001.
        assert_close(&run("notebook_adam", json!({}), 1), &[0.999, 2.001]);
    }

    #[test]
    fn notebook_variants_take_only_their_own_options() {
        let err = create("notebook_adagrad", &json!({"momentum": 0.9}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Unknown option 'momentum' for notebook_adagrad; valid options: lr, eps");
    }
}
