//! Flat f32 storage for every parameter tensor and its gradient: one buffer each plus an offset table,
//! so a whole model's weights are one slice (torch layout, tensor after tensor) and an optimizer sees
//! each tensor as a sub-slice of it.

/// Where one tensor lives in the arena, and its torch shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorEntry {
    pub offset: usize,
    pub len: usize,
    pub shape: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Arena {
    params: Vec<f32>,
    grads: Vec<f32>,
    entries: Vec<TensorEntry>,
}

impl Arena {
    /// Zeroed parameters and gradients for tensors of the given shapes, laid out in order.
    pub fn new(shapes: &[Vec<usize>]) -> Arena {
        let mut offset = 0;
        let entries: Vec<TensorEntry> = shapes
            .iter()
            .map(|shape| {
                let len = shape.iter().product();
                let entry = TensorEntry { offset, len, shape: shape.clone() };
                offset += len;
                entry
            })
            .collect();
        Arena { params: vec![0.0; offset], grads: vec![0.0; offset], entries }
    }

    pub fn entries(&self) -> &[TensorEntry] {
        &self.entries
    }

    pub fn shapes(&self) -> Vec<Vec<usize>> {
        self.entries.iter().map(|e| e.shape.clone()).collect()
    }

    /// Number of scalars over all tensors.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    pub fn params(&self) -> &[f32] {
        &self.params
    }

    pub fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    pub fn grads(&self) -> &[f32] {
        &self.grads
    }

    pub fn grads_mut(&mut self) -> &mut [f32] {
        &mut self.grads
    }

    /// Parameters (mutable) and gradients (read-only) at the same time, for the forward/backward pass.
    pub fn params_and_grads_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (&mut self.params, &mut self.grads)
    }

    /// Each tensor as (values, gradient, shape), in order: what an optimizer step walks over.
    pub fn tensors_mut(&mut self) -> impl Iterator<Item = (&mut [f32], &[f32], &[usize])> {
        let mut params_rest: &mut [f32] = &mut self.params;
        let mut grads_rest: &[f32] = &self.grads;
        self.entries.iter().map(move |entry| {
            let (param, p_tail) = std::mem::take(&mut params_rest).split_at_mut(entry.len);
            let (grad, g_tail) = grads_rest.split_at(entry.len);
            params_rest = p_tail;
            grads_rest = g_tail;
            (param, grad, entry.shape.as_slice())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn tensors_are_consecutive_slices_in_order() {
        let mut arena = Arena::new(&[vec![3, 2], vec![3], vec![1, 3]]);
        assert_eq!(arena.len(), 12);
        let offsets: Vec<usize> = arena.entries().iter().map(|e| e.offset).collect();
        assert_eq!(offsets, [0, 6, 9]);
        arena.grads_mut().iter_mut().enumerate().for_each(|(i, g)| *g = i as f32);
        for (param, grad, shape) in arena.tensors_mut() {
            assert_eq!(param.len(), shape.iter().product::<usize>());
            param.copy_from_slice(grad);
        }
        assert_eq!(arena.params(), arena.grads());
    }
}
