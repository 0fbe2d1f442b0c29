//! kijun-web
pub mod crypto;
