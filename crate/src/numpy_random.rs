//! numpy's legacy `np.random.RandomState(seed)`, draw for draw: MT19937 seeded by `init_genrand`, doubles from two
//! 32-bit words (a >> 5, b >> 6: 53 bits), `normal` by the polar Box–Muller method that keeps its second value for
//! the next call. DeepOBS builds its noisy quadratic's Hessian and data with it, so the same seed gives the same
//! problem here. Source: numpy/random/src/mt19937 and src/legacy/legacy-distributions.c.

const N: usize = 624;
const M: usize = 397;

pub struct RandomState {
    key: [u32; N],
    pos: usize,
    /// The polar method's second normal value, returned by the next `standard_normal`.
    gauss: Option<f64>,
}

impl RandomState {
    /// `np.random.RandomState(seed)` for an integer seed (numpy's `mt19937_seed`).
    pub fn new(seed: u32) -> RandomState {
        let mut key = [0u32; N];
        key[0] = seed;
        for i in 1..N {
            key[i] = 1_812_433_253u32.wrapping_mul(key[i - 1] ^ (key[i - 1] >> 30)).wrapping_add(i as u32);
        }
        RandomState { key, pos: N, gauss: None }
    }

    fn regenerate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        for i in 0..N {
            let y = (self.key[i] & UPPER) | (self.key[(i + 1) % N] & LOWER);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            self.key[i] = self.key[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.pos == N {
            self.regenerate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random_sample()`: uniform in [0, 1) with 53 random bits.
    pub fn random_sample(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// `uniform(low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// `standard_normal()` as the legacy generator draws it (polar Box–Muller, the second value cached).
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(cached) = self.gauss.take() {
            return cached;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `normal(loc, scale)`.
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.standard_normal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // `np.random.RandomState(42)`: `.random_sample(4)` and, from a fresh state, `.normal(size=5)`.
    #[test]
    fn draws_what_numpy_draws_for_seed_42() {
        let mut rng = RandomState::new(42);
        let uniform: Vec<f64> = (0..4).map(|_| rng.random_sample()).collect();
        assert_eq!(uniform, [0.3745401188473625, 0.9507143064099162, 0.7319939418114051, 0.5986584841970366]);
        let mut rng = RandomState::new(42);
        let normal: Vec<f64> = (0..5).map(|_| rng.standard_normal()).collect();
        let numpy =
            [0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254, -0.23415337472333597];
        for (got, want) in normal.iter().zip(numpy) {
            assert!((got - want).abs() <= 1e-15, "{got} vs numpy {want}");
        }
    }
}
