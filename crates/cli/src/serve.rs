//! `roadwarden serve`: bind, serve, and shut down gracefully on Ctrl-C or SIGTERM.

use roadwarden_server::{open_state, serve, Clock, Settings};

/// Serves until a shutdown signal. `banner` is printed once the address is known.
pub async fn run(settings: Settings, banner: Option<&dyn Fn(&str)>) -> anyhow::Result<()> {
    let bind = settings.server.bind.clone();
    if settings.notices.public_url.trim().is_empty() {
        tracing::warn!(
            page = %settings.owners_page_url(),
            "notices.public_url is not set: notices name this server's own address as the owners' page"
        );
    }
    let state = open_state(settings, Clock::System).await?;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    let running = serve(listener, state).await?;
    let url = format!("http://{}", running.addr);
    println!("Roadwarden is listening on {url}");
    if let Some(banner) = banner {
        banner(&url);
    }
    tracing::info!(%url, "listening");
    shutdown_signal().await;
    println!("Shutting down: finishing requests in flight…");
    running.shutdown().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
