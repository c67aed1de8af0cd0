//! optimlab: model training (layer lists: linear, conv2d, pooling, activations) and torch.optim-compatible optimizers, compiled to SIMD WebAssembly.
// torch validates with `if not 0.0 <= lr`, which NaN fails too; the checks here are written the same way.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
pub mod arena;
pub mod bindings;
pub mod deepobs;
pub mod kernels;
pub mod landscape;
pub mod lr_find;
pub mod nn;
pub mod nonfinite;
pub mod numpy_random;
pub mod optim;
pub mod options;
pub mod rng;
pub mod schedule;
pub mod state;
pub mod train;
