//! Floods and abuse: limits on guessing secrets per client address (429 with `Retry-After`
//! in each surface's shape), slow or oversized clients that must not stall others, and one
//! game server token flooding the poll with the largest report allowed; an over-long request
//! line is answered 414 in the surface's shape; one address opening thousands of
//! connections does not lock others out.

mod connections;
mod guessing;
mod long_lines;
mod polls;
mod slow_clients;
