//! Accepting connections with the limits a production server needs (what
//! `axum::serve` does not offer): a connection that has not sent a whole
//! request head within the header timeout is closed, whether it is new or
//! kept alive and idle (hyper starts that timer whenever it waits for a
//! head); the number of open connections is capped, so a flood of
//! half-open ones cannot use up the process's file descriptors (excess
//! connections wait in the kernel's backlog); and on shutdown the server
//! stops accepting, lets connections finish their requests, and closes
//! what is still open at the drain deadline.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// The limits of every connection, set by `detente serve`'s flags.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a whole request head, on a new or an idle connection.
    pub header_timeout: Duration,
    /// Time from shutdown to closing the connections still open.
    pub drain: Duration,
}

/// Serves `app` on `listener` until `stopped` turns true, holding one of
/// `open`'s permits per connection.
pub async fn serve_on(
    listener: TcpListener,
    app: axum::Router,
    mut stopped: watch::Receiver<bool>,
    open: Arc<Semaphore>,
    limits: Limits,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut warned = false;
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&open).acquire_owned() => p,
            _ = stopped.wait_for(|s| *s) => break,
        };
        let Ok(permit) = permit else { break };
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: the server goes on.
                    if !std::mem::replace(&mut warned, true) {
                        tracing::warn!(error = %e, "cannot accept a connection; retrying");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped.wait_for(|s| *s) => break,
        };
        warned = false;
        // Each answer is one write: sent at once, not held back by Nagle's
        // algorithm until the client acknowledges the last one.
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            // Room beyond the API's own limits (`routes::MAX_HEADERS`,
            // `MAX_HEADER_BYTES`), so an over-large head reaches the
            // router and is answered in JSON, not cut off here.
            .max_headers(4 * super::routes::MAX_HEADERS)
            .max_buf_size(1 << 20)
            .serve_connection(TokioIo::new(tcp), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!(
                drain_seconds = limits.drain.as_secs(),
                "the drain deadline passed; closing the connections still open"
            );
        }
    }
    Ok(())
}
