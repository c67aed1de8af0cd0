//! Numeric kernels. Each SIMD kernel (wasm32 + simd128, chosen at compile time) has a scalar twin
//! that the tests compare it against.
pub mod elementwise;
pub mod gemm;
pub mod reduce;

/// True in the opt-in fast build (target feature relaxed-simd; `precision: "fast"`), whose kernels fuse multiply-adds.
pub const RELAXED_SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"));

/// `acc + a·b` lane by lane. The default build multiplies then adds (two roundings: the same bits on every engine
/// and machine); the fast build uses `f32x4.relaxed_madd`, which the engine fuses into one rounding where the CPU
/// has FMA, so its last bits depend on the machine.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
pub(crate) fn mul_add(
    a: std::arch::wasm32::v128,
    b: std::arch::wasm32::v128,
    acc: std::arch::wasm32::v128,
) -> std::arch::wasm32::v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        std::arch::wasm32::f32x4_relaxed_madd(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        std::arch::wasm32::f32x4_add(acc, std::arch::wasm32::f32x4_mul(a, b))
    }
}
