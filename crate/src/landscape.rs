//! 2-D test functions with analytic gradients, and optimizer trajectories over them: the classic way
//! to watch optimizers move (Ruder's overview animations). The parameter is one tensor of shape [2].
//!
//! Values and gradients are float32 and follow the fixture formulas term by term, with each gradient
//! written as torch's autograd chains it (`d(t²) = 2t`, `d(x²) = 2x`, outer factor first), so a
//! trajectory stays within 1e-4 of torch's (test/fixtures/torch-landscapes.json).
use crate::optim::{self, Closure, OptimError, Slot};
use serde_json::Value;
use std::fmt;

/// The test functions, in the order they are listed to users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Rosenbrock,
    Beale,
    Himmelblau,
    Rastrigin,
    Saddle,
    Quadratic,
    Booth,
}

pub const FUNCTIONS: [Function; 7] = [
    Function::Rosenbrock,
    Function::Beale,
    Function::Himmelblau,
    Function::Rastrigin,
    Function::Saddle,
    Function::Quadratic,
    Function::Booth,
];

/// What a user needs to draw a function: its formula, a default view, start and its landmarks.
pub struct Info {
    pub name: &'static str,
    pub formula: &'static str,
    /// What makes it a test: the trap an optimizer can fall into.
    pub about: &'static str,
    /// Default view: `[x_min, x_max]` and `[y_min, y_max]`.
    pub x_range: [f64; 2],
    pub y_range: [f64; 2],
    pub start: [f64; 2],
    /// Global minima (all with f = 0); empty for the saddle, which is unbounded below.
    pub minima: &'static [[f64; 2]],
    pub saddle_points: &'static [[f64; 2]],
}

/// 2π rounded to float32, as torch multiplies a float32 tensor by Python's `2 * math.pi`.
const TWO_PI: f32 = std::f32::consts::TAU;

impl Function {
    pub fn from_name(name: &str) -> Result<Function, LandscapeError> {
        FUNCTIONS
            .into_iter()
            .find(|f| f.info().name == name)
            .ok_or_else(|| LandscapeError::UnknownFunction(name.to_string()))
    }

    pub fn info(self) -> Info {
        match self {
            Function::Rosenbrock => Info {
                name: "rosenbrock",
                formula: "(1-x)^2 + 100(y-x^2)^2",
                about: "a long curved valley: easy to reach, slow to follow to the minimum",
                x_range: [-2.0, 2.0],
                y_range: [-1.0, 3.0],
                start: [-1.5, 2.0],
                minima: &[[1.0, 1.0]],
                saddle_points: &[],
            },
            Function::Beale => Info {
                name: "beale",
                formula: "(1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2",
                about: "flat plateaus beside steep walls: gradients span many orders of magnitude",
                x_range: [-1.0, 4.5],
                y_range: [-1.5, 2.5],
                start: [1.0, 1.5],
                minima: &[[3.0, 0.5]],
                saddle_points: &[],
            },
            Function::Himmelblau => Info {
                name: "himmelblau",
                formula: "(x^2+y-11)^2 + (x+y^2-7)^2",
                about: "four equal minima: which one an optimizer finds depends on its path",
                x_range: [-5.0, 5.0],
                y_range: [-5.0, 5.0],
                start: [0.0, 0.0],
                minima: &[[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]],
                saddle_points: &[],
            },
            Function::Rastrigin => Info {
                name: "rastrigin",
                formula: "20 + x^2 - 10cos(2πx) + y^2 - 10cos(2πy)",
                about: "a bowl covered in local minima one unit apart: small steps get stuck",
                x_range: [-3.0, 3.0],
                y_range: [-3.0, 3.0],
                start: [2.3, -1.7],
                minima: &[[0.0, 0.0]],
                saddle_points: &[],
            },
            Function::Saddle => Info {
                name: "saddle",
                formula: "x^2 - y^2",
                about: "a saddle point at the origin, unbounded below along y: escaping it is the test",
                x_range: [-1.5, 1.5],
                y_range: [-1.5, 1.5],
                start: [1.0, 0.001],
                minima: &[],
                saddle_points: &[[0.0, 0.0]],
            },
            Function::Quadratic => Info {
                name: "quadratic",
                formula: "0.5(x^2 + 100y^2)",
                about: "a bowl 100 times steeper in y than in x: plain SGD zigzags, adaptive methods do not",
                x_range: [-1.5, 1.5],
                y_range: [-1.5, 1.5],
                start: [1.0, 1.0],
                minima: &[[0.0, 0.0]],
                saddle_points: &[],
            },
            Function::Booth => Info {
                name: "booth",
                formula: "(x+2y-7)^2 + (2x+y-5)^2",
                about: "a tilted, mildly ill-conditioned bowl: every method should get there",
                x_range: [-10.0, 10.0],
                y_range: [-10.0, 10.0],
                start: [-5.0, 5.0],
                minima: &[[1.0, 3.0]],
                saddle_points: &[],
            },
        }
    }

    /// f(x, y) in float32, the fixture formula evaluated left to right.
    pub fn value(self, x: f32, y: f32) -> f32 {
        self.value_and_gradient(x, y).0
    }

    /// f(x, y) and its gradient (∂f/∂x, ∂f/∂y), in float32.
    pub fn value_and_gradient(self, x: f32, y: f32) -> (f32, [f32; 2]) {
        match self {
            Function::Rosenbrock => {
                let (a, b) = (1.0 - x, y - x * x);
                let gb = 100.0 * (2.0 * b);
                (a * a + 100.0 * (b * b), [-(2.0 * a) - gb * (2.0 * x), gb])
            }
            Function::Beale => {
                let (y2, y3) = (y * y, y * y * y);
                let t1 = 1.5 - x + x * y;
                let t2 = 2.25 - x + x * y2;
                let t3 = 2.625 - x + x * y3;
                let (g1, g2, g3) = (2.0 * t1, 2.0 * t2, 2.0 * t3);
                let gx = (g1 * y - g1) + (g2 * y2 - g2) + (g3 * y3 - g3);
                let gy = g1 * x + (g2 * x) * (2.0 * y) + (g3 * x) * (3.0 * y2);
                (t1 * t1 + t2 * t2 + t3 * t3, [gx, gy])
            }
            Function::Himmelblau => {
                let a = x * x + y - 11.0;
                let b = x + y * y - 7.0;
                let (ga, gb) = (2.0 * a, 2.0 * b);
                (a * a + b * b, [ga * (2.0 * x) + gb, ga + gb * (2.0 * y)])
            }
            Function::Rastrigin => {
                let (u, v) = (TWO_PI * x, TWO_PI * y);
                let value = 20.0 + x * x - 10.0 * u.cos() + y * y - 10.0 * v.cos();
                // d(−10 cos u)/du = 10 sin u, times du/dx = 2π.
                (value, [2.0 * x + (10.0 * u.sin()) * TWO_PI, 2.0 * y + (10.0 * v.sin()) * TWO_PI])
            }
            Function::Saddle => (x * x - y * y, [2.0 * x, -(2.0 * y)]),
            Function::Quadratic => (0.5 * (x * x + 100.0 * (y * y)), [0.5 * (2.0 * x), 50.0 * (2.0 * y)]),
            Function::Booth => {
                let a = x + 2.0 * y - 7.0;
                let b = 2.0 * x + y - 5.0;
                let (ga, gb) = (2.0 * a, 2.0 * b);
                (a * a + b * b, [ga + gb * 2.0, ga * 2.0 + gb])
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LandscapeError {
    UnknownFunction(String),
    Optim(OptimError),
    Invalid(String),
}

impl fmt::Display for LandscapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LandscapeError::UnknownFunction(name) => {
                let known: Vec<&str> = FUNCTIONS.iter().map(|f| f.info().name).collect();
                write!(f, "Unknown function '{name}'; known: {}", known.join(", "))
            }
            LandscapeError::Optim(error) => error.fmt(f),
            LandscapeError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for LandscapeError {}

impl From<OptimError> for LandscapeError {
    fn from(error: OptimError) -> Self {
        LandscapeError::Optim(error)
    }
}

/// Longest trajectory one call records (3 floats a step in the bindings: 12 MB).
pub const MAX_STEPS: usize = 1_000_000;

/// The point after every step and the function value before it (for LBFGS: the first value its
/// closure saw in that step), as torch's loop `loss = closure(); opt.step()` records them.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub points: Vec<[f32; 2]>,
    pub values: Vec<f32>,
    /// The 0-based step after which the point, or the value before it, was NaN or infinite; the
    /// run stops there (that step is the last recorded).
    pub diverged_at: Option<usize>,
}

/// torch's `closure()` over a test function: the parameter is the point, one tensor of shape [2].
struct Probe {
    function: Function,
    point: [f32; 2],
    grad: [f32; 2],
}

impl Closure for Probe {
    fn evaluate(&mut self) -> Result<f32, OptimError> {
        let (value, grad) = self.function.value_and_gradient(self.point[0], self.point[1]);
        self.grad = grad;
        Ok(value)
    }

    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
        visit(&mut [Slot { param: &mut self.point, grad: &self.grad }]);
    }
}

/// Runs `steps` steps of the optimizer `optimizer` (registry name, torch options as JSON) from
/// `start`, stopping early only when the run diverges.
pub fn trajectory(
    function: Function,
    start: [f32; 2],
    optimizer: &str,
    options: &Value,
    steps: usize,
) -> Result<Trajectory, LandscapeError> {
    if !start.iter().all(|c| c.is_finite()) {
        return Err(LandscapeError::Invalid(format!(
            "the start point must be finite, got ({}, {})",
            start[0], start[1]
        )));
    }
    if steps > MAX_STEPS {
        return Err(LandscapeError::Invalid(format!("steps must be at most {MAX_STEPS}, got {steps}")));
    }
    let mut opt = optim::create(optimizer, options, &[vec![2]])?;
    let mut probe = Probe { function, point: start, grad: [0.0; 2] };
    let mut run =
        Trajectory { points: Vec::with_capacity(steps), values: Vec::with_capacity(steps), diverged_at: None };
    for step in 0..steps {
        let value = if opt.needs_closure() {
            opt.step_with_closure(&mut probe)?
        } else {
            let value = probe.evaluate()?;
            opt.step(&mut [Slot { param: &mut probe.point, grad: &probe.grad }])?;
            value
        };
        run.points.push(probe.point);
        run.values.push(value);
        if !(value.is_finite() && probe.point.iter().all(|c| c.is_finite())) {
            run.diverged_at = Some(step);
            break;
        }
    }
    Ok(run)
}

/// Largest grid side: 2048 × 2048 values is 16 MB.
pub const MAX_GRID_SIDE: usize = 2048;

/// f over an `nx` × `ny` grid of cells covering `[x_min, x_max] × [y_min, y_max]`, each sampled at
/// its centre (what a raster or contour of `nx` × `ny` cells draws). Row-major, row 0 at `y_min`.
pub fn grid(
    function: Function,
    x_range: [f64; 2],
    y_range: [f64; 2],
    nx: usize,
    ny: usize,
) -> Result<Vec<f32>, LandscapeError> {
    for (axis, [low, high]) in [("x", x_range), ("y", y_range)] {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(LandscapeError::Invalid(format!(
                "grid: the {axis} range must be finite with min < max, got [{}, {}]",
                optim::js_number(low),
                optim::js_number(high)
            )));
        }
    }
    for (axis, n) in [("nx", nx), ("ny", ny)] {
        if !(1..=MAX_GRID_SIDE).contains(&n) {
            return Err(LandscapeError::Invalid(format!(
                "grid: {axis} must be between 1 and {MAX_GRID_SIDE}, got {n}"
            )));
        }
    }
    let centre = |[low, high]: [f64; 2], n: usize, i: usize| (low + (high - low) * (i as f64 + 0.5) / n as f64) as f32;
    let mut values = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        let y = centre(y_range, ny, j);
        values.extend((0..nx).map(|i| function.value(centre(x_range, nx, i), y)));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Central differences in f64 of the f32 function, against the analytic gradient.
    #[test]
    fn gradients_match_finite_differences() {
        for function in FUNCTIONS {
            let info = function.info();
            for &[x, y] in [info.start, [0.3, -0.7], [1.2, 0.4]].iter() {
                let (_, [gx, gy]) = function.value_and_gradient(x as f32, y as f32);
                let h = 1e-3;
                let f = |x: f64, y: f64| function.value(x as f32, y as f32) as f64;
                let nx = (f(x + h, y) - f(x - h, y)) / (2.0 * h);
                let ny = (f(x, y + h) - f(x, y - h)) / (2.0 * h);
                for (analytic, numeric) in [(gx as f64, nx), (gy as f64, ny)] {
                    assert!(
                        (analytic - numeric).abs() <= 2e-2 * numeric.abs().max(1.0),
                        "{}: at ({x}, {y}) analytic {analytic}, numeric {numeric}",
                        info.name
                    );
                }
            }
        }
    }

    #[test]
    fn minima_are_zero_and_stationary() {
        for function in FUNCTIONS {
            let info = function.info();
            for &[x, y] in info.minima.iter().chain(info.saddle_points) {
                let (value, [gx, gy]) = function.value_and_gradient(x as f32, y as f32);
                assert!(
                    value.abs() < 1e-4 && gx.abs() < 1e-3 && gy.abs() < 1e-3,
                    "{} at ({x}, {y}): {value}, ({gx}, {gy})",
                    info.name
                );
            }
        }
    }

    #[test]
    fn unknown_names_list_the_functions() {
        assert_eq!(
            Function::from_name("rosenbrok").unwrap_err().to_string(),
            "Unknown function 'rosenbrok'; known: rosenbrock, beale, himmelblau, rastrigin, saddle, quadratic, booth"
        );
        assert_eq!(Function::from_name("booth"), Ok(Function::Booth));
    }

    #[test]
    fn a_diverging_run_stops_at_the_first_non_finite_step() {
        // SGD lr 1.1 on the quadratic: y is multiplied by 1 − 1.1·100 = −109 every step, so
        // 100y² passes f32::MAX (3.4e38) once |y| = 109⁹ ≈ 2.2e18, in the value before step 9.
        let run = trajectory(Function::Quadratic, [1.0, 1.0], "sgd", &json!({"lr": 1.1}), 100).unwrap();
        let step = run.diverged_at.expect("diverges");
        assert_eq!(run.points.len(), step + 1);
        assert_eq!(step, 9);
        assert_eq!(run.values[step], f32::INFINITY);
        assert!(run.values[..step].iter().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_input_is_refused_with_a_message() {
        let err = |r: Result<Trajectory, LandscapeError>| r.unwrap_err().to_string();
        assert_eq!(
            err(trajectory(Function::Booth, [f32::NAN, 0.0], "sgd", &json!({}), 1)),
            "the start point must be finite, got (NaN, 0)"
        );
        assert_eq!(
            err(trajectory(Function::Booth, [0.0, 0.0], "sgd", &json!({"lr": -1}), 1)),
            "Invalid learning rate: -1"
        );
        assert!(err(trajectory(Function::Booth, [0.0, 0.0], "sdg", &json!({}), 1))
            .starts_with("Unknown optimizer 'sdg'; known: sgd,"));
        assert_eq!(
            err(trajectory(Function::Booth, [0.0, 0.0], "sgd", &json!({}), MAX_STEPS + 1)),
            "steps must be at most 1000000, got 1000001"
        );
        assert_eq!(
            grid(Function::Booth, [1.0, 1.0], [0.0, 1.0], 4, 4).unwrap_err().to_string(),
            "grid: the x range must be finite with min < max, got [1, 1]"
        );
        assert_eq!(
            grid(Function::Booth, [0.0, 1.0], [0.0, 1.0], 4, 0).unwrap_err().to_string(),
            "grid: ny must be between 1 and 2048, got 0"
        );
    }

    #[test]
    fn grid_samples_cell_centres_row_by_row_from_y_min() {
        let values = grid(Function::Saddle, [0.0, 4.0], [-1.0, 1.0], 4, 2).unwrap();
        // x centres 0.5, 1.5, 2.5, 3.5; y centres −0.5, 0.5: f = x² − 0.25 on both rows.
        assert_eq!(values, vec![0.0, 2.0, 6.0, 12.0, 0.0, 2.0, 6.0, 12.0]);
        let booth = grid(Function::Booth, [0.0, 2.0], [2.0, 4.0], 2, 2).unwrap();
        assert_eq!(
            booth,
            vec![
                Function::Booth.value(0.5, 2.5),
                Function::Booth.value(1.5, 2.5),
                Function::Booth.value(0.5, 3.5),
                Function::Booth.value(1.5, 3.5)
            ]
        );
    }
}
