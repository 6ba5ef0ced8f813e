//! Floods and abuse: limits on guessing secrets per client address (429 with `Retry-After`
//! in each surface's shape), and slow or oversized clients that must not stall others.

mod guessing;
mod slow_clients;
