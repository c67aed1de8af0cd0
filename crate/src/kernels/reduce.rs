//! Reductions over f32 slices.

/// Dot product, the plain left-to-right loop.
pub fn dot_scalar(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Dot product with four f32x4 accumulators; differs from `dot_scalar` only in summation order (and, in the fast
/// build, in its fused multiply-adds).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::wasm32::*;
    assert_eq!(a.len(), b.len());
    let n = a.len();
    let blocks = n / 16;
    let mut acc = [f32x4_splat(0.0); 4];
    // SAFETY: every load reads 4 f32 at index i + 4k < blocks * 16 <= n, inside both slices.
    unsafe {
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        for blk in 0..blocks {
            let i = blk * 16;
            for (k, acc_k) in acc.iter_mut().enumerate() {
                let x = v128_load(pa.add(i + 4 * k) as *const v128);
                let y = v128_load(pb.add(i + 4 * k) as *const v128);
                *acc_k = super::mul_add(x, y, *acc_k);
            }
        }
    }
    let sum = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
    let mut total = f32x4_extract_lane::<0>(sum)
        + f32x4_extract_lane::<1>(sum)
        + f32x4_extract_lane::<2>(sum)
        + f32x4_extract_lane::<3>(sum);
    for i in blocks * 16..n {
        total += a[i] * b[i];
    }
    total
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use dot_scalar as dot;

/// True when this build's kernels use wasm simd128.
pub const SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_scalar_on_odd_lengths() {
        for n in [0usize, 1, 15, 16, 17, 100, 1001] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let (fast, slow) = (dot(&a, &b), dot_scalar(&a, &b));
            assert!((fast - slow).abs() <= 1e-4 * (1.0 + slow.abs()), "n={n}: {fast} vs {slow}");
        }
    }
}
