//! Games: the built-in ones and those of the configuration (`[ember.games.KEY]`).
//!
//! Games are configuration, the same on every node that reads the same file; operators read
//! them here and change them in the configuration.

use super::super::page::{Page, PageRequest};
use super::super::{Core, CoreError, CoreResult};
use crate::core::access::{Grant, View};
use crate::core::Entity;
use backline_domain::ember::games::Game;
use backline_store::Store;
use serde::Serialize;
use std::collections::BTreeMap;

/// A game with its key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyedGame {
    /// The key servers name their game by (`gmod`, `rust`, …).
    pub id: String,
    pub name: String,
    pub source: String,
    pub commands: BTreeMap<String, String>,
}

impl KeyedGame {
    fn of(key: &str, game: &Game) -> Self {
        Self {
            id: key.to_owned(),
            name: game.name.clone(),
            source: game.source.clone(),
            commands: game.commands.clone(),
        }
    }
}

impl<S: Store> Core<S> {
    /// The games by key, in pages (the cursor is the last key of the page before).
    pub fn list_games(&self, _: &Grant<View>, request: &PageRequest) -> Page<KeyedGame> {
        let after = request.cursor.as_deref().unwrap_or_default();
        let games: Vec<KeyedGame> = self
            .settings
            .ember
            .games
            .iter()
            .filter(|(key, _)| key.as_str() > after)
            .take(request.fetch() as usize)
            .map(|(key, game)| KeyedGame::of(key, game))
            .collect();
        request.page(games, |g| g.id.clone())
    }

    /// A game, by key.
    pub fn get_game(&self, _: &Grant<View>, key: &str) -> CoreResult<KeyedGame> {
        self.settings
            .ember
            .games
            .get(key)
            .map(|game| KeyedGame::of(key, game))
            .ok_or_else(|| CoreError::not_found(Entity::Game, key))
    }
}
