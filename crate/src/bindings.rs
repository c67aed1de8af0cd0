//! The wasm_bindgen surface: thin shims over the modules, errors mapped to `JsError`.
use wasm_bindgen::prelude::*;

use crate::kernels::reduce;

/// True when the module was compiled with simd128 kernels.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    reduce::SIMD
}

/// Dot product with the build's fastest kernel (SIMD in the wasm build).
#[wasm_bindgen]
pub fn dot(a: &[f32], b: &[f32]) -> Result<f32, JsError> {
    if a.len() != b.len() {
        return Err(JsError::new(&format!("dot: lengths differ ({} vs {})", a.len(), b.len())));
    }
    Ok(reduce::dot(a, b))
}

/// Dot product with the scalar twin, for checking the SIMD kernel from JavaScript.
#[wasm_bindgen(js_name = dotScalar)]
pub fn dot_scalar(a: &[f32], b: &[f32]) -> Result<f32, JsError> {
    if a.len() != b.len() {
        return Err(JsError::new(&format!("dot: lengths differ ({} vs {})", a.len(), b.len())));
    }
    Ok(reduce::dot_scalar(a, b))
}
