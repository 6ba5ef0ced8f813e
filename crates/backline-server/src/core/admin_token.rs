//! The operator token of the admin API.
//!
//! Configured explicitly, or generated on first start, printed once and kept hashed in the
//! database so every node and every restart agrees.

use super::{Core, CoreError, CoreResult};
use backline_domain::secret::{IssuedSecret, SecretHash};
use backline_store::SettingStore;

const SETTING: &str = "admin_token_sha256";
const ADMIN_TOKEN_LEN: usize = 40;

impl Core {
    /// Generates and stores an admin token unless one exists; returns it when generated.
    pub async fn ensure_admin_token(&self) -> CoreResult<Option<IssuedSecret>> {
        let secret = IssuedSecret::generate(ADMIN_TOKEN_LEN);
        let stored = self
            .store
            .put_setting_if_absent(SETTING, secret.hash().as_str())
            .await?;
        Ok(stored.then_some(secret))
    }

    /// Replaces the admin token; the old one stops working at once.
    pub async fn rotate_admin_token(&self) -> CoreResult<IssuedSecret> {
        let secret = IssuedSecret::generate(ADMIN_TOKEN_LEN);
        self.store
            .set_setting(SETTING, secret.hash().as_str())
            .await?;
        Ok(secret)
    }

    /// Checks a presented admin token against the configured one, else the stored hash.
    pub async fn authenticate_admin(
        &self,
        configured: Option<&str>,
        presented: Option<&str>,
    ) -> CoreResult<()> {
        let presented = presented
            .filter(|p| !p.is_empty())
            .ok_or(CoreError::Unauthorized)?;
        let expected = match configured {
            Some(token) => SecretHash::of(token),
            None => SecretHash::from_stored(
                self.store
                    .get_setting(SETTING)
                    .await?
                    .ok_or(CoreError::Unauthorized)?,
            ),
        };
        if SecretHash::of(presented) == expected {
            Ok(())
        } else {
            Err(CoreError::Unauthorized)
        }
    }
}
