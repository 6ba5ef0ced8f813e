//! The agent's tests over real sockets: test peers written here speak each protocol's wire
//! format on 127.0.0.1 (random ports), a real OpenArena server is driven over Quake 3 RCON,
//! the journal works on real files, the binary runs as a process, and the whole agent runs
//! between a real Backline and a game console (`backline.rs`, `gmod.rs`).
//!
//! One test binary (modules below) so the agent is linked once.

mod backline;
mod cli;
mod exec;
mod gmod;
mod journal;
mod kills;
mod minecraft;
mod openarena;
mod openarena_backline;
mod quake3;
mod source;
mod support;
mod webrcon;
