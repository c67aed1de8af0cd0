//! ReLU. Its forward is fused into the linear layer's GEMM epilogue (`Gemm::linear_forward`); the
//! backward masks the incoming gradient by the stored output.
pub use crate::kernels::elementwise::relu_backward;
