//! The update rules hand-written in the notebook "Exploring Optimizers", reproduced as its code
//! runs them (quirks included), so its curves can be explained next to torch's optimizers.
//! Each variant's comment names the quirk and the corrected rule it differs from.
//! Option names follow torch (`lr`, `momentum`, `alpha`, `betas`, `eps`); defaults are the notebook's.
use super::{check_betas, lr_field, non_negative, options, persist, OptimError, TensorRule};

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

/// Declares a notebook variant: its options (declared as `options!` takes them), registry name, state
/// buffers, torch's checks of its options and its update.
macro_rules! notebook_rule {
    ($(#[$doc:meta])* $rule:ident($name:literal, $buffers:literal),
     options { $(#[doc = $summary:literal])* pub struct $options:ident as $type_name:ident { $($declared:tt)* } },
     check |$checked:ident| $check:block,
     |$c:ident, $s:ident, $param:ident, $grad:ident| $update:block) => {
        options! { $(#[doc = $summary])* pub struct $options as $type_name { $($declared)* } }

        $(#[$doc])*
        pub struct $rule;

        impl TensorRule for $rule {
            const NAME: &'static str = $name;
            type Options = $options;
            type Config = $options;
            type State = State;

            fn config($checked: $options) -> Result<$options, OptimError> {
                $check
                Ok($checked)
            }
            lr_field!(lr);
            fn init(_c: &$options, shape: &[usize]) -> Result<State, OptimError> {
                Ok(State::new(shape, $buffers))
            }
            fn update($c: &$options, $s: &mut State, $param: &mut [f32], $grad: &[f32], _shape: &[usize]) $update
        }
    };
}

notebook_rule!(
    /// The notebook's SGD: w ← w − lr·g. No quirk; the same as torch's SGD without momentum.
    NotebookSgd("notebook_sgd", 0),
    options {
        /// Options of the notebook's SGD: w ← w − lr·g (the same as torch's SGD without momentum).
        pub struct SgdOptions as NotebookSgd {
            /// Learning rate γ.
            lr: f64 = 0.01,
        }
    },
    check |c| { non_negative(c.lr, "Invalid learning rate")?; },
    |c, _s, param, grad| {
        let lr = c.lr as f32;
        param.iter_mut().zip(grad).for_each(|(w, g)| *w -= lr * g);
    }
);

notebook_rule!(
    /// The notebook's Momentum: v ← ρv + lr·g; w ← w − v. The lr sits inside the velocity, so changing
    /// lr mid-run rescales only new gradients; torch's SGD(momentum) is v ← ρv + g; w ← w − lr·v.
    NotebookMomentum("notebook_momentum", 1),
    options {
        /// Options of the notebook's Momentum: v ← ρv + lr·g; w ← w − v (lr inside the velocity).
        pub struct MomentumOptions as NotebookMomentum {
            /// Learning rate γ.
            lr: f64 = 0.01,
            /// Velocity decay ρ.
            momentum: f64 = 0.9,
        }
    },
    check |c| {
        non_negative(c.lr, "Invalid learning rate")?;
        non_negative(c.momentum, "Invalid momentum value")?;
    },
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
    NotebookNesterov("notebook_nesterov", 1),
    options {
        /// Options of the notebook's Nesterov, look-ahead shift never undone (its quirk kept).
        pub struct NesterovOptions as NotebookNesterov {
            /// Learning rate γ.
            lr: f64 = 0.01,
            /// Velocity decay ρ.
            momentum: f64 = 0.9,
        }
    },
    check |c| {
        non_negative(c.lr, "Invalid learning rate")?;
        non_negative(c.momentum, "Invalid momentum value")?;
    },
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
    NotebookAdagrad("notebook_adagrad", 1),
    options {
        /// Options of the notebook's Adagrad: divides by √(G + ε) with G from before this gradient (its quirk kept).
        pub struct AdagradOptions as NotebookAdagrad {
            /// Learning rate γ.
            lr: f64 = 0.01,
            /// Term added to the sum of squared gradients inside the square root.
            eps: f64 = 1e-8,
        }
    },
    check |c| {
        non_negative(c.lr, "Invalid learning rate")?;
        non_negative(c.eps, "Invalid epsilon value")?;
    },
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
    NotebookRmsProp("notebook_rmsprop", 1),
    options {
        /// Options of the notebook's RMSProp: divides by √(E + ε) with E from before this gradient (its quirk kept).
        pub struct RmsPropOptions as NotebookRmsProp {
            /// Learning rate γ.
            lr: f64 = 0.001,
            /// Decay α of the running average E of squared gradients.
            alpha: f64 = 0.9,
            /// Term added to E inside the square root.
            eps: f64 = 1e-8,
        }
    },
    check |c| {
        non_negative(c.lr, "Invalid learning rate")?;
        non_negative(c.alpha, "Invalid alpha value")?;
        non_negative(c.eps, "Invalid epsilon value")?;
    },
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
    NotebookAdam("notebook_adam", 2),
    options {
        /// Options of the notebook's Adam, bias corrections applied to m and v (the paper's form).
        pub struct AdamOptions as NotebookAdam {
            /// Learning rate γ.
            lr: f64 = 0.001,
            /// Coefficients (β₁, β₂) of the running averages of the gradient and of its square.
            betas: (f64, f64) = (0.9, 0.999),
            /// Term added to the denominator for numerical stability.
            eps: f64 = 1e-8,
        }
    },
    check |c| {
        non_negative(c.lr, "Invalid learning rate")?;
        non_negative(c.eps, "Invalid epsilon value")?;
        check_betas(c.betas)?;
    },
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
