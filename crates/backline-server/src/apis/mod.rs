//! The HTTP surfaces, one module per API, each owning its wire types, error envelope and
//! router, and describing itself to the shared plumbing in its `surface.rs` (a
//! [`Surface`](crate::http::surface::Surface), listed by the composition root, `crate::app`).

pub mod admin;
pub mod console;
pub mod ember;
pub mod events;
pub mod link;
pub mod nakama;
pub mod openapi;
pub mod page_headers;
pub mod secrets;
pub mod spectra;

#[cfg(test)]
mod tests {
    /// axum's `Json` extractor answers its rejections in text/plain; bodies are read by each
    /// surface's own extractor (`SpectraJson`, `AdminJson`, `NakamaJson`, Ember's `Params`).
    /// `Path`, `Query` and `Form` are kept out by `clippy.toml`; `Json` cannot be (it is also
    /// the response type), so this test looks for it in argument position.
    #[test]
    fn no_handler_extracts_with_axums_json() {
        let files = crate::source_rules::rust_sources("src/apis");
        for (path, text) in files {
            // Built at run time so this file does not match itself.
            for extractor in ["Json", "axum::Json", "axum::extract::Json"] {
                assert!(
                    !text.contains(&format!("): {extractor}<")),
                    "{path} extracts a body with axum's Json; use the surface's JSON extractor"
                );
            }
        }
    }
}
