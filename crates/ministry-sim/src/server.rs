//! Lifecycle: serving on a listener, spawning on a port, graceful shutdown, the handle.

use super::*;

/// Serves the API on `listener` until an I/O error; see [`serve_with_shutdown`].
pub async fn serve(listener: TcpListener, cfg: SimConfig) -> anyhow::Result<()> {
    serve_with_shutdown(listener, cfg, std::future::pending()).await
}

/// Serves the API on `listener` until `shutdown` completes, then lets open connections
/// finish (up to a few seconds) and returns. With [`SimConfig::tls`] the generated CA is
/// not reachable from here; use [`spawn`] and [`SimHandle::ca_pem`].
pub async fn serve_with_shutdown(
    listener: TcpListener,
    cfg: SimConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = AppState::open(&cfg).await?;
    let tls = cfg.tls.then(tls::generate).transpose()?;
    run(listener, state, tls.map(|t| t.acceptor), shutdown).await
}

/// Binds `addr` (port 0 picks a free port), starts the server on the current tokio
/// runtime and returns a handle; dropping the handle stops the server.
pub async fn spawn(cfg: SimConfig, addr: SocketAddr) -> anyhow::Result<SimHandle> {
    let state = AppState::open(&cfg).await?;
    let tls = cfg.tls.then(tls::generate).transpose()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the simulator to {addr}"))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let (ca_pem, acceptor) = match tls {
        Some(t) => (Some(t.ca_pem), Some(t.acceptor)),
        None => (None, None),
    };
    let task = tokio::spawn(run(listener, state.clone(), acceptor, async {
        // A dropped sender also means "stop".
        let _ = rx.await;
    }));
    Ok(SimHandle {
        addr,
        state,
        ca_pem,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The accept loop: one task per connection, HTTP/1.1 with keep-alive, optional TLS.
/// Each request carries a [`faults::ConnAbort`] so a fault can drop its connection.
pub(crate) async fn run(
    listener: TcpListener,
    state: Arc<AppState>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, tls = tls.is_some(), "ministry simulator listening");
    let app = router(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "simulator accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, app, watcher).await,
                Some(acceptor) => {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        Ok(Ok(stream)) => serve_connection(stream, app, watcher).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("simulator connections still open at shutdown; dropping them");
        }
    }
    tracing::info!(%addr, "ministry simulator stopped");
    Ok(())
}

pub(crate) async fn serve_connection<S>(
    stream: S,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let abort = faults::ConnAbort::default();
    let inner = TowerToHyperService::new(app);
    let conn_abort = abort.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(conn_abort.clone());
        hyper::service::Service::call(&inner, req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        res = watcher.watch(conn) => {
            if let Err(e) = res {
                tracing::debug!(error = %e, "simulator connection ended with an error");
            }
        }
        () = abort.aborted() => {
            // Dropping the connection future closes the socket without an answer.
        }
    }
}

/// A running simulator started by [`spawn`]. Dropping it stops the server.
pub struct SimHandle {
    pub(crate) addr: SocketAddr,
    pub(crate) state: Arc<AppState>,
    pub(crate) ca_pem: Option<String>,
    pub(crate) shutdown: Option<oneshot::Sender<()>>,
    pub(crate) task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl SimHandle {
    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL for [`super::client::Client::new`], e.g. `http://127.0.0.1:43127`, or
    /// `https://localhost:43127` with TLS (the name the certificate carries). Loopback
    /// when bound to an unspecified address.
    pub fn base_url(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            self.addr.ip()
        };
        if self.ca_pem.is_some() {
            format!("https://{}", SocketAddr::new(ip, self.addr.port()))
        } else {
            format!("http://{}", SocketAddr::new(ip, self.addr.port()))
        }
    }

    /// PEM of the certificate authority that issued the server's TLS certificate (valid
    /// for `localhost`, `127.0.0.1` and `::1`); `None` without [`SimConfig::tls`]. Give
    /// it to [`super::client::Client::with_ca_pem`] or `curl --cacert`.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Puts `plan` in force from the next request on (and re-seeds its dice).
    pub fn set_faults(&self, plan: FaultPlan) {
        self.state.faults.set(Some(plan));
    }

    /// Stops injecting faults.
    pub fn clear_faults(&self) {
        self.state.faults.set(None);
    }

    /// The fault plan in force.
    pub fn faults(&self) -> Option<FaultPlan> {
        self.state.faults.get()
    }

    /// The seal signing key in force: `(kid, key)`. See [`SimState::signing_key`].
    pub fn signing_key(&self) -> (String, SigningKey) {
        self.state.signing_key()
    }

    /// Retires the signing key and makes a new one (as `POST /v1/admin/keys/rotate`).
    pub async fn rotate_keys(&self) -> anyhow::Result<VerificationKey> {
        self.state
            .rotate_keys()
            .await
            .map_err(|f| anyhow::anyhow!("key rotation failed: {}", f.0.code))
    }

    /// Outbox batches whose idempotency keys are being processed right now (tests of the
    /// in-flight rule).
    pub fn in_flight_keys(&self) -> usize {
        self.state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The server's shared state (the signing key for seals).
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Every outbox event the server has stored, in arrival order: `(idempotency key,
    /// kind, payload)`. Reads the server's database directly (tests and the demo).
    pub fn stored_events(&self) -> anyhow::Result<Vec<(Uuid, String, Value)>> {
        let conn = lock(&self.state.db);
        let mut stmt =
            conn.prepare("SELECT idempotency_key, kind, payload FROM events ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, kind, payload) = row?;
            out.push((
                Uuid::parse_str(&key).context("stored idempotency key")?,
                kind,
                serde_json::from_str(&payload).context("stored payload")?,
            ));
        }
        Ok(out)
    }

    /// Every health report received, oldest first.
    pub fn health_reports(&self) -> anyhow::Result<Vec<KioskHealthReport>> {
        let conn = lock(&self.state.db);
        let mut stmt = conn.prepare("SELECT body FROM health_reports ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?).context("stored health report")?);
        }
        Ok(out)
    }

    /// Stops accepting connections, lets in-flight requests finish and waits for the
    /// server task.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.context("simulator task panicked")?,
            None => Ok(()),
        }
    }

    /// Makes a challenge look older than [`CHALLENGE_TTL`] (tests of expiry).
    #[cfg(test)]
    pub(crate) fn expire_challenge(&self, challenge_id: &str) {
        lock(&self.state.db)
            .execute(
                "UPDATE challenges SET expires_at = 0 WHERE id = ?1",
                [challenge_id],
            )
            .expect("expire challenge");
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
