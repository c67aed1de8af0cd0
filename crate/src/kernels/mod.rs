//! Numeric kernels. Each SIMD kernel (wasm32 + simd128, chosen at compile time) has a scalar twin
//! that the tests compare it against.
pub mod elementwise;
pub mod gemm;
pub mod reduce;
