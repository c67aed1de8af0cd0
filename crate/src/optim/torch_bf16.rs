//! torch's CPU arithmetic as Muon's Newton–Schulz iteration meets it, to the last bit: bfloat16 values, float32
//! accumulation in the order torch's kernels add, fused multiply-adds where its compiled kernels fuse. Every
//! result is rounded to bfloat16 once, so one float32 ulp of difference can flip a bfloat16 bit, and a flip
//! moves the parameters by lr · 2⁻⁸. The orders are those of torch 2.13's x86 build on an AVX2 CPU, checked
//! against it op by op (scripts/gen-muon-replay.py writes the replay cases).

/// float32 → bfloat16 (round to nearest even), kept as the f32 it widens back to.
#[inline(always)]
pub fn bf16(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let bits = x.to_bits();
    f32::from_bits(bits.wrapping_add(0x7fff + ((bits >> 16) & 1)) & 0xffff_0000)
}

/// The float32 fused multiply-add a·b + c, rounded once. The product of two f32 is exact in f64; where the f64
/// sum lands on an f32 tie without being exact (TwoSum), it is nudged toward the true value, so the rounding to
/// f32 is the correct one. Much faster in wasm than `f32::mul_add`, which has no instruction there.
#[inline(always)]
pub fn fma(a: f32, b: f32, c: f32) -> f32 {
    let (product, addend) = (a as f64 * b as f64, c as f64);
    let sum = product + addend;
    if !(sum.abs() >= f32::MIN_POSITIVE as f64 && sum.is_finite()) {
        return a.mul_add(b, c);
    }
    let bits = sum.to_bits();
    if bits & 0x1fff_ffff == 0x1000_0000 {
        let virtual_addend = sum - product;
        let error = (product - (sum - virtual_addend)) + (addend - virtual_addend);
        if error != 0.0 {
            return f64::from_bits(if (error > 0.0) == (sum > 0.0) { bits + 1 } else { bits - 1 }) as f32;
        }
    }
    sum as f32
}

/// torch's `lerp` kernel (vectorized and scalar alike): a + w(b − a) for |w| < 0.5, else b + (w − 1)(b − a), each
/// one fused multiply-add. (The shared `lerp` rounds twice: within every other optimizer's tolerance, but not
/// before a rounding to bfloat16.)
#[inline(always)]
pub fn lerp(a: f32, b: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 {
        fma(weight, b - a, a)
    } else {
        fma(weight - 1.0, b - a, b)
    }
}

/// `Tensor.norm()` of a bfloat16 tensor (ReduceOpsKernel's fast path): whole chunks of 16 values in memory order
/// square-accumulate into 8 float32 lanes (value d into lane d mod 8), the lanes are added left to right, the
/// rest one by one; the root rounded to bfloat16. Squares of bfloat16 values are exact in float32, so only the
/// order of the additions matters.
pub fn norm(len: usize, value: impl Fn(usize) -> f32) -> f32 {
    let whole = len - len % 16;
    let mut lanes = [0.0f32; 8];
    for d in 0..whole {
        lanes[d % 8] += value(d) * value(d);
    }
    let mut sum = lanes.iter().sum::<f32>();
    for d in whole..len {
        sum += value(d) * value(d);
    }
    bf16(sum.sqrt())
}

/// How torch's GEMM adds a dot product up; which one runs depends on the operands' layout (below).
#[derive(Clone, Copy)]
pub enum Dot {
    /// cpublas `sum`, used when the right operand's contraction runs down its columns: four partial sums, term
    /// l into partial l mod 4 (the tail past the last 4 into the first), each a fused multiply-add, then
    /// ((p0 + p1) + p2) + p3.
    Interleaved,
    /// `bf16_dot_with_fp32_arith`, used when both operands are contiguous along the contraction (gemm_transa_):
    /// blocks of 64 terms into 64 float32 accumulators (8 registers of 8 lanes) by fused multiply-adds, the
    /// registers summed as a tree (r + r⁺⁴, then + r⁺², then + r⁺¹) and the lanes horizontally
    /// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)); then chunks of 16 into one 8-lane register, summed
    /// the same way and added; the last fewer than 16 terms one fused multiply-add each.
    Vectorized,
    /// One fused multiply-add after another, term 0 first (what `X @ X.T` runs when X is a transposed view).
    Sequential,
}

impl Dot {
    #[inline(always)]
    fn sum(self, len: usize, term: impl Fn(usize) -> (f32, f32)) -> f32 {
        let fused = |l: usize, acc: f32| {
            let (a, b) = term(l);
            fma(a, b, acc)
        };
        match self {
            Dot::Interleaved => {
                let mut partial = [0.0f32; 4];
                let whole = len - len % 4;
                (0..whole).for_each(|l| partial[l % 4] = fused(l, partial[l % 4]));
                (whole..len).for_each(|l| partial[0] = fused(l, partial[0]));
                partial[0] + partial[1] + partial[2] + partial[3]
            }
            Dot::Sequential => (0..len).fold(0.0, |acc, l| fused(l, acc)),
            Dot::Vectorized => {
                let (blocks, chunks) = (len & !63, len & !15);
                let mut registers = [[0.0f32; 8]; 8];
                (0..blocks).for_each(|l| registers[l % 64 / 8][l % 8] = fused(l, registers[l % 64 / 8][l % 8]));
                for offset in [4, 2, 1] {
                    for r in 0..offset {
                        let upper = registers[r + offset];
                        registers[r].iter_mut().zip(upper).for_each(|(lane, x)| *lane += x);
                    }
                }
                let mut tail = [0.0f32; 8];
                (blocks..chunks).for_each(|l| tail[l % 8] = fused(l, tail[l % 8]));
                let mut sum = horizontal(registers[0]) + horizontal(tail);
                (chunks..len).for_each(|l| sum = fused(l, sum));
                sum
            }
        }
    }
}

/// `vec_reduce_all` of 8 lanes with AVX2 shuffles.
#[inline(always)]
fn horizontal(v: [f32; 8]) -> f32 {
    let [a, b, c, d] = [v[0] + v[4], v[1] + v[5], v[2] + v[6], v[3] + v[7]];
    (a + c) + (b + d)
}

/// out (r×c) = bf16(β·C + α·left·right), left r×k and right k×c row-major, as torch's `addmm` on bfloat16
/// matrices of these sizes (aten's cpublas `gemm_core_`): the dot product as `dot` says, then fma(β, C, α·dot)
/// where β ≠ 0, rounded once. `accumulate` is C.
#[allow(clippy::too_many_arguments)]
pub fn addmm(
    out: &mut [f32],
    accumulate: &[f32],
    (left, right): (&[f32], &[f32]),
    (r, k, c): (usize, usize, usize),
    beta: f32,
    alpha: f32,
    dot: Dot,
) {
    for i in 0..r {
        for j in 0..c {
            let product = alpha * dot.sum(k, |l| (left[i * k + l], right[l * c + j]));
            out[i * c + j] = bf16(if beta != 0.0 { fma(beta, accumulate[i * c + j], product) } else { product });
        }
    }
}

/// X (m×n) → X·Xᵀ (m×m) as torch's `X @ X.T`.
pub fn gram(out: &mut [f32], x: &[f32], (m, n): (usize, usize), dot: Dot) {
    for i in 0..m {
        for j in 0..m {
            out[i * m + j] = bf16(dot.sum(n, |l| (x[i * n + l], x[j * n + l])));
        }
    }
}
