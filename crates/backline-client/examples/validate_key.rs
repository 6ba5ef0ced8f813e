//! Checks a Spectra access key as Spectra Server does, and prints what it is worth.
//!
//! ```sh
//! BACKLINE_URL=http://127.0.0.1:7350 SPECTRA_BACKEND_TOKEN=... \
//!     cargo run -p backline-client --example validate_key -- ACCESS_KEY
//! ```

use backline_client::spectra::{KeyValidity, SpectraClient};
use backline_client::Transport;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("BACKLINE_URL").unwrap_or_else(|_| "http://127.0.0.1:7350".into());
    let token = std::env::var("SPECTRA_BACKEND_TOKEN")?;
    let key = std::env::args()
        .nth(1)
        .ok_or("usage: validate_key ACCESS_KEY")?;
    let spectra = SpectraClient::new(Transport::new(&url)?).with_backend_token(token);
    match spectra.validate_key(&key).await? {
        KeyValidity::Valid {
            organisation,
            supporter,
        } => println!(
            "valid: {} ({}), supporter: {supporter}",
            organisation.name, organisation.id
        ),
        KeyValidity::Invalid => println!("unknown or revoked"),
        KeyValidity::Expired => println!("expired"),
    }
    Ok(())
}
