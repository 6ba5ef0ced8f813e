//! Two tenants with one of everything: organisation, access key, player-cam session,
//! Nakama user and session, game server with a leased execution.

use super::routes::{Kind, Route};
use crate::ember_helpers::{form, server};
use crate::helpers::{TestApp, HTTP_KEY, SERVER_KEY};
use crate::nakama_helpers::custom;
use backline_domain::ember::actions::ActionKind;
use backline_server::core::ember::executions::Target;
use reqwest::{Method, StatusCode};

/// One tenant's credentials and data.
pub struct Tenant {
    pub org_id: String,
    pub org_name: String,
    pub access_key: String,
    pub playercam_identifier: String,
    pub playercam_secret: String,
    pub user_id: String,
    pub username: String,
    pub session: String,
    pub refresh: String,
    pub server_id: String,
    pub server_name: String,
    pub server_token: String,
    pub execution_id: i64,
    /// The command of the execution queued for this tenant's server.
    pub command: String,
}

pub async fn tenant(app: &TestApp, name: &str) -> Tenant {
    let org_name = format!("Org of {name}");
    let org_id = app.create_org(&org_name, None).await;
    let access_key = app.issue_key(&org_id, None).await;
    let cams = app
        .admin(
            Method::POST,
            &format!("/orgs/{org_id}/playercam-sessions"),
            None,
        )
        .await;
    assert_eq!(cams.status, StatusCode::CREATED, "{cams:?}");
    let username = format!("user-of-{name}");
    let login = custom(
        app,
        &format!("custom-id-of-{name}"),
        &format!("create=true&username={username}"),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{login:?}");
    let session = login.body["token"].as_str().unwrap().to_owned();
    let user_id = crate::nakama_helpers::claims(&session)["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let server_name = format!("Server of {name}");
    let (server_id, server_token) = server(app, &server_name, &[]).await;
    let command = format!("say secret of {name}");
    let core = app.core().await;
    let queued = core
        .queue_action(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            &Target::Server(server_id.as_str().into()),
            ActionKind::Command,
            &command,
            None,
            false,
        )
        .await
        .unwrap();
    core.store.close().await;
    // Delivered (leased) to its server, so finishing it is the next step.
    let polled = form(app, &server_token, Method::POST, "/poll", "").await;
    assert_eq!(polled.status, StatusCode::OK, "{polled:?}");
    assert!(polled.text.contains(&command), "{polled:?}");
    Tenant {
        org_id,
        org_name,
        access_key,
        playercam_identifier: cams.body["identifier"].as_str().unwrap().to_owned(),
        playercam_secret: cams.body["secret"].as_str().unwrap().to_owned(),
        user_id,
        username,
        session,
        refresh: login.body["refresh_token"].as_str().unwrap().to_owned(),
        server_id,
        server_name,
        server_token,
        execution_id: queued[0].id.0,
        command,
    }
}

/// Credentials that belong to no tenant.
pub struct Shared {
    pub admin: String,
    pub backend: String,
    pub stats: String,
}

impl Tenant {
    /// The secret of `kind` this tenant would present.
    pub fn secret(&self, kind: Kind, shared: &Shared) -> Option<String> {
        Some(match kind {
            Kind::None => return None,
            Kind::Admin => shared.admin.clone(),
            Kind::SpectraBackend => shared.backend.clone(),
            Kind::SpectraStats => shared.stats.clone(),
            Kind::AccessKey => self.access_key.clone(),
            Kind::PlayercamSecret => self.playercam_secret.clone(),
            Kind::ServerToken => self.server_token.clone(),
            Kind::Session => self.session.clone(),
            Kind::Refresh => self.refresh.clone(),
            Kind::ServerKey => SERVER_KEY.to_owned(),
            Kind::HttpKey => HTTP_KEY.to_owned(),
        })
    }

    /// What no answer to another tenant may contain (that the request did not itself carry).
    pub fn markers(&self) -> Vec<&str> {
        vec![
            &self.org_id,
            &self.org_name,
            &self.access_key,
            &self.playercam_identifier,
            &self.playercam_secret,
            &self.user_id,
            &self.username,
            &self.session,
            &self.refresh,
            &self.server_id,
            &self.server_name,
            &self.server_token,
            &self.command,
        ]
    }
}

/// `route`'s path with tenant B's resources, and `secret` where the path carries one.
pub fn concrete_path(route: &Route, b: &Tenant, secret: &str) -> String {
    let mut path = route.path.clone();
    for (param, value) in [
        ("{sid}", "0b8e6a1c-1111-4222-8333-944445555666".to_owned()),
        ("{key}", b.access_key.clone()),
        ("{org_id}", b.org_id.clone()),
        ("{match_id}", crate::helpers::MATCH_ID.to_owned()),
        ("{identifier}", b.playercam_identifier.clone()),
        ("{user_id}", "some-user".to_owned()),
        ("{group}", "global-bots".to_owned()),
        ("{secret}", secret.to_owned()),
        ("{full_name}", "Player%23EUW".to_owned()),
        ("{execution_id}", b.execution_id.to_string()),
        ("{source}", "steam".to_owned()),
        ("{account_id}", crate::ember_helpers::STEAM_ID.to_owned()),
        ("{ingame}", "admin".to_owned()),
        ("{key_id}", b.access_key.clone()),
        ("{token_id}", "some-token-id".to_owned()),
        ("{puuid}", "some-puuid".to_owned()),
        ("{id_or_name}", "some-admin-token".to_owned()),
        ("{token}", "some-link-token".to_owned()),
        ("{ban_id}", "some-ban-id".to_owned()),
        ("{role_id}", "some-role-id".to_owned()),
        ("{name}", "console.css".to_owned()),
        ("{server_id}", "some-server-id".to_owned()),
        ("{game}", "gmod".to_owned()),
    ] {
        path = path.replace(param, &value);
    }
    assert!(!path.contains('{'), "unfilled parameter in {path}");
    path
}
