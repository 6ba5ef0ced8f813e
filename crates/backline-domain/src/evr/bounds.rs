//! How long the lists of one EVR request may be.
//!
//! Each list of a request is stored, compared or bound into a statement, so its length is
//! work the caller chooses; a body limit of a megabyte would let one request bind hundreds of
//! thousands of parameters (more than either database takes in one statement) or store a
//! megabyte of alignments on a match that every later list and join reads back. These bounds
//! are far above what EVR tooling sends (a match holds at most a few dozen players, a
//! broadcaster offers a handful of features) and a list over them is refused with the
//! surface's invalid-argument answer, naming the field.

/// Features a broadcaster offers, a preparation requires or a joining client has.
pub const MAX_FEATURES: usize = 64;
/// Entries of a preparation's `role_alignments` (Discord id → team).
pub const MAX_ROLE_ALIGNMENTS: usize = 128;
/// Regions a broadcaster serves or an allocation accepts.
pub const MAX_REGIONS: usize = 32;
/// Match ids one `match` listing names.
pub const MAX_MATCH_IDS: usize = 100;
