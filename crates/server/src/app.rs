//! Assembling the application: state from settings, the router with its middleware, and a
//! server that shuts down gracefully (in-flight requests finish; workers stop).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{middleware, Json, Router};
use roadwarden_blob::{BlobStore, FsStore, S3Config, S3Store};
use roadwarden_store::{ConnectOptions, Store};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::jobs::worker::CancelFlag;
use crate::jobs::{scheduler, worker};
use crate::{api, auth, ui, AppState, Clock, Settings};

/// Connects the database (running migrations and loading the shipped calendars into empty
/// tables) and the blob store.
pub async fn open_state(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
    roadwarden_domain::device::NumberRule::new(&settings.devices.number_pattern)
        .map_err(|e| anyhow::anyhow!(e))?;
    settings.riders.validate().map_err(|e| anyhow::anyhow!(e))?;
    settings
        .outside
        .validate()
        .map_err(|e| anyhow::anyhow!(e))?;
    prepare_data_dir(&settings.data_dir)?;
    let options = ConnectOptions {
        max_connections: settings.database.max_connections,
        ..ConnectOptions::default()
    };
    let store = Store::connect(&settings.database_url(), &options).await?;
    store.migrate().await?;
    let now = clock.now();
    crate::services::calendar::merge_shipped_tables(&store, now).await?;
    let blobs = open_blobs(&settings).await?;
    std::fs::create_dir_all(settings.upload_dir())?;
    let state = AppState::new(store, blobs, settings, clock);
    // NOT-02a: the owner's photo links are signed with the installation's key, not the
    // process's, so they survive a restart and work on every server (issue 14).
    state
        .link_key
        .install(crate::services::link_key::load_shared(&state.store, now).await?);
    // RID-05: the in-memory gallery and clusters, rebuilt from the stored face vectors.
    crate::services::riders::identity::reload(&state)
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding the face gallery: {e}"))?;
    // RID-04: a configured ONNX engine must load now, or the start fails with the reason.
    crate::services::riders::identity::check_at_start(&state)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(state)
}

/// The blob store the settings name: the local folder or S3-compatible object storage. An
/// unknown backend is an error, never a silent fallback.
pub async fn open_blobs(settings: &Settings) -> anyhow::Result<Arc<dyn BlobStore>> {
    let b = &settings.blobs;
    match b.backend.as_str() {
        "fs" | "" => Ok(Arc::new(FsStore::open(settings.blob_dir()).await?)),
        "s3" => {
            let config = S3Config {
                endpoint: Some(b.s3_endpoint.clone()).filter(|e| !e.is_empty()),
                bucket: b.s3_bucket.clone(),
                region: b.s3_region.clone(),
                access_key_id: b.s3_access_key_id.clone(),
                secret_access_key: b.s3_secret_access_key.expose().to_owned(),
                prefix: b.s3_prefix.clone(),
                allow_http: b.s3_allow_http,
            };
            Ok(Arc::new(S3Store::connect(config).await?))
        }
        other => anyhow::bail!("blobs.backend '{other}' is not fs or s3"),
    }
}

/// The CSP: everything from this origin only, except map tiles from a configured tile server.
fn content_security_policy(tile_url: &str) -> HeaderValue {
    let tiles = url::Url::parse(tile_url.replace(['{', '}'], "").as_str())
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "default-src 'self'; img-src 'self' data:{tiles}; style-src 'self'; script-src 'self'; \
         frame-ancestors 'none'; form-action 'self'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

pub fn build_router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let timeout = Duration::from_secs(state.settings.server.request_timeout_secs.max(1));
    // Bounded requests: a body limit and an overall timeout.
    let bounded = Router::new()
        .nest("/api/v1", crate::api::router())
        .merge(ui::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(api::metrics::endpoint))
        .layer(RequestBodyLimitLayer::new(
            state.settings.server.max_body_bytes,
        ))
        // The extractors (Bytes, Json, Multipart) have their own 2 MB default; the configured
        // limit is the one that holds.
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.server.max_body_bytes,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    // Resumable footage uploads stream gigabytes: no body limit and no overall timeout (the
    // upload service bounds the bytes by the declared length).
    Router::new()
        .merge(bounded)
        .merge(crate::api::evidence_uploads::router())
        // Bare refusals from the layers above (413, 408, 405) as the API's JSON error.
        .layer(middleware::from_fn(crate::error::api_json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::middleware::count_refusals,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            ui::html_errors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::middleware::context,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            api::metrics::track,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(&state.settings.devices.map_tile_url),
        ))
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and the blob store can be written.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.store.ping().await.is_ok();
    let blobs = state.blobs.health().await.is_ok();
    let status = if db && blobs {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({ "database": db, "blobs": blobs })),
    )
}

/// A running server: its address, and a handle to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: CancelFlag,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, stops the workers.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.stop.set();
        let served = self.task.await.map_err(std::io::Error::other)?;
        // SEC-05: the refusals still counted in memory are written before the process ends.
        if let Err(e) = crate::services::refusals::flush(&self.state, true).await {
            tracing::error!(error = %e, "writing the refused accesses at shutdown");
        }
        served
    }

    pub fn stop_flag(&self) -> CancelFlag {
        self.stop.clone()
    }

    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Serves on `listener` (bound by the caller, so tests can use port 0), with the job workers
/// and scheduler when enabled.
pub async fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let stop = CancelFlag::default();
    if state.settings.jobs.enabled {
        let schedules = scheduler::parse_schedules(&state.settings.jobs.schedules)
            .map_err(|e| anyhow::anyhow!(e))?;
        for _ in 0..state.settings.jobs.workers.max(1) {
            tokio::spawn(worker::run_loop(state.clone(), stop.clone()));
        }
        tokio::spawn(worker::requeue_loop(state.clone(), stop.clone()));
        tokio::spawn(scheduler::run_loop(state.clone(), schedules, stop.clone()));
    }
    tokio::spawn(worker::refusals_loop(state.clone(), stop.clone()));
    let app = build_router(state.clone());
    let shutdown = stop.clone();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { shutdown.sleep(Duration::MAX).await })
        .await
    });
    Ok(Running {
        addr,
        state,
        stop,
        task,
    })
}

/// The data directory holds the database, the evidence and the audit witness: only the
/// server's own account may enter it. A new one is made so (0700); an existing one that others
/// may enter is left as the operator set it, with a warning at every start.
fn prepare_data_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let fresh = !dir.exists();
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if fresh {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        } else if std::fs::metadata(dir)?.permissions().mode() & 0o007 != 0 {
            tracing::warn!(
                dir = %dir.display(),
                "the data directory can be entered by every account on this machine; \
                 restrict it (chmod 700) so only the server's account reads the database"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = fresh;
    Ok(())
}
