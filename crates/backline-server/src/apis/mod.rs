//! The HTTP surfaces, one module per API, each owning its wire types, error envelope and
//! router.

pub mod admin;
pub mod ember;
pub mod nakama;
pub mod spectra;
