//! Element-wise passes over activations and gradients. They are a few percent of a step, written as
//! plain loops that LLVM vectorizes to simd128 in the wasm build.

/// Pixel bytes to network inputs, `byte as f32 / divisor` (a division, so the value is exact to the
/// last bit whatever the divisor); vectorized, unlike a 256-entry table lookup.
pub fn normalize_pixels(inputs: &mut [f32], pixels: &[u8], divisor: f32) {
    assert_eq!(inputs.len(), pixels.len());
    inputs.iter_mut().zip(pixels).for_each(|(x, &p)| *x = f32::from(p) / divisor);
}

/// `sums[j] = Σ_i m[i, j]` for a row-major `rows × sums.len()` matrix: the bias gradient.
pub fn column_sums(m: &[f32], rows: usize, sums: &mut [f32]) {
    let cols = sums.len();
    assert!(m.len() >= rows * cols);
    sums.fill(0.0);
    for row in m.chunks_exact(cols.max(1)).take(rows) {
        sums.iter_mut().zip(row).for_each(|(s, &v)| *s += v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn normalize_pixels_divides_each_byte() {
        let pixels: Vec<u8> = (0..=255).collect();
        let mut inputs = vec![0.0; 256];
        normalize_pixels(&mut inputs, &pixels, 255.0);
        assert!(inputs.iter().enumerate().all(|(byte, &x)| x == byte as f32 / 255.0));
        assert_eq!((inputs[0], inputs[255]), (0.0, 1.0));
    }

    #[test]
    fn column_sums_add_down_each_column() {
        let mut sums = [9.0; 3];
        column_sums(&[1.0, 2.0, 3.0, 10.0, 20.0, 30.0], 2, &mut sums);
        assert_eq!(sums, [11.0, 22.0, 33.0]);
    }
}
