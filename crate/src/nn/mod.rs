//! The notebook's network, `SimpleNet(layers)`: Linear layers with ReLU between them, log_softmax +
//! NLL on the last layer's output, forward and backward over buffers allocated once.
pub mod activation;
pub mod linear;
pub mod loss;
pub mod mlp;
