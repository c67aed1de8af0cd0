//! optimlab: MLP training and torch.optim-compatible optimizers, compiled to SIMD WebAssembly.
pub mod arena;
pub mod bindings;
pub mod kernels;
pub mod landscape;
pub mod lr_find;
pub mod model_bindings;
pub mod nn;
pub mod nonfinite;
pub mod optim;
pub mod options;
pub mod rng;
pub mod schedule;
pub mod state;
pub mod train;
