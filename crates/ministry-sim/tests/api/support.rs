//! Shared set-up of the API tests: a reference server on loopback with known tokens, and
//! a resident login through the typed client.

#![allow(dead_code)] // tests/api_logs.rs, its own binary, uses a part.

use std::time::Duration;

use manassa_ministry_api::client::Client;
use manassa_ministry_api::{IdMethod, ResidentSession};
use manassa_sim::{self, SimConfig, SimHandle};

/// Kiosk token the test servers accept.
pub const TOKEN: &str = "api-test-kiosk-token";
/// Administrator token of the test servers.
pub const ADMIN: &str = "api-test-admin-token";
/// Resident A: three papers and a revoked permit.
pub const QID_A: &str = "28463400123";
/// Resident B: no papers.
pub const QID_B: &str = "29035600017";
/// Resident C: locked account.
pub const QID_LOCKED: &str = "28163400044";
/// A structurally valid QID no resident has.
pub const QID_UNKNOWN: &str = "28463499999";

/// The configuration every API test starts from (demo SMS on, known tokens).
pub fn config() -> SimConfig {
    SimConfig {
        kiosk_tokens: vec![TOKEN.to_owned()],
        admin_token: ADMIN.to_owned(),
        demo_sms: true,
        ..SimConfig::default()
    }
}

/// Starts a reference server on a free loopback port.
pub async fn start(cfg: SimConfig) -> SimHandle {
    manassa_sim::spawn(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the reference server starts on loopback")
}

/// A typed client of `sim` with a per-call timeout.
pub fn client(sim: &SimHandle, timeout: Duration) -> Client {
    Client::with_ca_pem(&sim.base_url(), TOKEN, timeout, sim.ca_pem()).unwrap()
}

/// Challenge, demo SMS and verify: a live resident session.
pub async fn login(client: &Client, qid: &str) -> ResidentSession {
    let ch = client.start_challenge(qid, IdMethod::Card).await.unwrap();
    let code = client.demo_sms_code(&ch.challenge_id).await.unwrap();
    client.verify_code(&ch.challenge_id, &code).await.unwrap()
}

/// [`config`] without the demo SMS route.
pub fn config_without_demo_sms() -> SimConfig {
    SimConfig {
        demo_sms: false,
        ..config()
    }
}
