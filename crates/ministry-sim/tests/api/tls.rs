//! The whole resident journey over HTTPS: the reference server with a certificate it
//! generated, the typed client pinning that CA and nothing else.

use std::time::Duration;

use crate::support::{QID_A, TOKEN, client, config, login, start};
use manassa_ministry_api::client::{ApiError, Client};
use manassa_ministry_api::{DocumentKind, IdMethod, SealState};
use manassa_sim::SimConfig;

fn tls_config() -> SimConfig {
    SimConfig {
        tls: true,
        ..config()
    }
}

#[tokio::test]
async fn the_auth_flow_and_a_document_fetch_work_over_pinned_tls() {
    let sim = start(tls_config()).await;
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let pem = sim.ca_pem().expect("a TLS simulator has a CA");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let c = client(&sim, Duration::from_secs(5));
    c.health().await.unwrap();
    let session = login(&c, QID_A).await;
    let docs = c.list_documents(&session).await.unwrap();
    assert_eq!(docs[0].kind, DocumentKind::BuildingPermit);
    let doc = c.fetch_document(&session, &docs[0].id).await.unwrap();
    assert_eq!(doc.payload["owner_qid"], QID_A);
    assert_eq!(
        c.seal_status("doc-bp-003990").await.unwrap(),
        SealState::Revoked
    );

    // The name the certificate carries works as well as the address.
    let by_name = Client::with_ca_pem(
        &format!("https://localhost:{}", sim.addr().port()),
        TOKEN,
        Duration::from_secs(5),
        Some(pem),
    )
    .unwrap();
    by_name.health().await.unwrap();
}

#[tokio::test]
async fn an_unpinned_or_wrongly_pinned_client_is_refused() {
    let sim = start(tls_config()).await;
    let other = start(tls_config()).await;
    let t = Duration::from_secs(5);

    // The web PKI roots do not know the simulator's CA.
    let public_roots = Client::new(&sim.base_url(), TOKEN, t).unwrap();
    let e = public_roots
        .start_challenge(QID_A, IdMethod::Card)
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::Network(_)), "{e:?}");

    // Pinned to another simulator's CA: refused as well.
    let wrong_pin =
        Client::with_ca_pem(&sim.base_url(), TOKEN, t, Some(other.ca_pem().unwrap())).unwrap();
    let e = wrong_pin.health().await.unwrap_err();
    assert!(matches!(e, ApiError::Network(_)), "{e:?}");

    // Plain HTTP to the TLS port gets no answer it can read.
    let plain = Client::new(&sim.base_url().replace("https://", "http://"), TOKEN, t).unwrap();
    assert!(plain.health().await.is_err());

    // The pinned client still works: the refusals above were about trust, not the server.
    client(&sim, t).health().await.unwrap();
}

#[test]
fn a_bad_pin_is_a_configuration_error() {
    let t = Duration::from_secs(1);
    for pem in ["", "not a certificate"] {
        assert!(matches!(
            Client::with_ca_pem("https://127.0.0.1:1", TOKEN, t, Some(pem)),
            Err(ApiError::Config(_))
        ));
    }
}
