//! Kinora: a federated video platform in one executable. The binary and the tests share this library.

pub mod media;
