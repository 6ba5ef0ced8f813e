//! The agent's tests over real sockets: test peers written here speak each protocol's wire
//! format on 127.0.0.1 (random ports), a real OpenArena server is driven over Quake 3 RCON,
//! the journal works on real files, and the binary runs as a process.
//!
//! One test binary (modules below) so the agent is linked once.

mod cli;
mod exec;
mod journal;
mod minecraft;
mod openarena;
mod quake3;
mod source;
mod support;
mod webrcon;
