//! Signs in to the Nakama-compatible surface with a custom id and lists the EVR matches; the
//! session refreshes itself before it expires.
//!
//! ```sh
//! BACKLINE_URL=http://127.0.0.1:7350 NAKAMA_SERVER_KEY=... \
//!     cargo run -p backline-client --example evr_session
//! ```

use backline_client::nakama::{MatchFilter, NakamaClient, SignIn};
use backline_client::Transport;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("BACKLINE_URL").unwrap_or_else(|_| "http://127.0.0.1:7350".into());
    let server_key = std::env::var("NAKAMA_SERVER_KEY")?;
    let nakama = NakamaClient::new(Transport::new(&url)?, server_key);
    let (session, created) = nakama
        .authenticate_custom("example-custom-id", &SignIn::default())
        .await?;
    println!("signed in (new account: {created})");
    let matches = session.evr().list_matches(&MatchFilter::All).await?;
    println!("{} matches", matches.len());
    Ok(())
}
