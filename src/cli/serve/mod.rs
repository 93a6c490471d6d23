//! `detente serve`: the engine as an HTTP JSON API (docs/api.md,
//! docs/openapi.json). Loopback by default; the policy file is watched and
//! reloaded when it changes, and a change that fails its check keeps the
//! running policy; bad requests get 4xx with the problems as JSON.

mod conn;
mod edge;
mod metrics;
mod reload;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use detente::Policy;

use super::Exit;
use super::inputs;

#[derive(clap::Args)]
pub struct Args {
    /// The address to listen on. The default answers this machine only;
    /// give 0.0.0.0:8080 to answer the network (put a token on it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The manifest to read (default: ./detente.toml when it exists).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// The policy file (default: the manifest's [policy] path). It is
    /// watched: a change that checks is served from the next request on.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// The largest request body accepted, e.g. `10MB`, `512KB`; larger
    /// bodies get 413.
    #[arg(long, default_value = "10MB", value_name = "SIZE")]
    max_body: String,
    /// A file holding a bearer token: every request but /healthz must then
    /// send `Authorization: Bearer TOKEN`.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// How often the policy file is read for changes.
    #[arg(long, default_value = "1000", value_name = "MS")]
    reload_ms: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Seconds a connection has to send a whole request head, new or kept
    /// alive and idle; then it is closed.
    #[arg(long, default_value = "10", value_name = "SECONDS")]
    header_timeout: u64,
    /// Seconds a request has from its head to its answer (reading the body
    /// included); then it gets 408.
    #[arg(long, default_value = "30", value_name = "SECONDS")]
    request_timeout: u64,
    /// Connections open at once, over all threads; more wait to be
    /// accepted.
    #[arg(long, default_value = "512", value_name = "N")]
    max_connections: usize,
    /// Seconds SIGTERM waits for requests in flight before closing the
    /// connections still open.
    #[arg(long, default_value = "10", value_name = "SECONDS")]
    drain: u64,
    /// Let browsers on this origin call the API (repeat for more; `*` for
    /// any origin). Off by default.
    #[arg(long, value_name = "ORIGIN")]
    cors: Vec<String>,
    /// Log every request on standard error (method, path, status,
    /// milliseconds, request id).
    #[arg(long)]
    access_log: bool,
    /// How the logs are written on standard error: `text` for people,
    /// `json` (one object per line) for log pipelines.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The server's logs, through `tracing`, on standard error.
fn init_logs(format: LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    // Set once per process; a second call (never made) would keep the first.
    let _ = match format {
        LogFormat::Text => logs.with_target(false).try_init(),
        LogFormat::Json => logs.json().flatten_event(true).try_init(),
    };
}

/// The policy being served, with the text it was compiled from (a reload
/// compiles only when the text changed).
pub struct Loaded {
    pub policy: Policy,
    pub source: String,
}

pub struct State {
    pub current: RwLock<Arc<Loaded>>,
    pub metrics: metrics::Metrics,
    pub token: Option<String>,
    pub max_body: usize,
    /// A request's time from its head to its answer.
    pub request_timeout: Duration,
    /// Request ids, the access log and CORS.
    pub edge: edge::Edge,
    /// Why the last reload was refused, while it is the latest word on the
    /// policy file (`/readyz` fails meanwhile).
    pub refused: RwLock<Option<String>>,
}

impl State {
    /// Records why the policy file's latest change was refused, or that
    /// the latest change is served (`None`).
    pub fn set_refused(&self, why: Option<String>) {
        match self.refused.write() {
            Ok(mut g) => *g = why,
            Err(p) => *p.into_inner() = why,
        }
    }

    /// Why the policy file's latest change was refused, if it was.
    pub fn refused(&self) -> Option<String> {
        match self.refused.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn policy(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            // A writer never panics while holding the lock (it only swaps
            // an Arc), but a poisoned lock still holds a valid policy.
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }
}

/// How the logs name a policy: `` `Acme` v3 (sha256:…) ``.
fn describe(policy: &Policy) -> String {
    format!(
        "`{}` v{} ({})",
        policy.name(),
        policy.version().map_or("-".into(), |v| v.to_string()),
        policy.hash()
    )
}

/// `10MB`, `512KB`, `1GB` or a number of bytes.
fn size(text: &str) -> Result<usize, String> {
    let t = text.trim().to_ascii_uppercase();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: usize = n
        .parse()
        .map_err(|_| format!("--max-body: `{text}` is not a size such as 10MB"))?;
    let mult = match unit.trim() {
        "" | "B" => 1,
        "KB" | "K" => 1024,
        "MB" | "M" => 1024 * 1024,
        "GB" | "G" => 1024 * 1024 * 1024,
        _ => return Err(format!("--max-body: `{text}` is not a size such as 10MB")),
    };
    Ok(n.saturating_mul(mult))
}

pub fn run(args: Args) -> Exit {
    init_logs(args.log_format);
    let manifest = match inputs::manifest(args.manifest.as_deref()) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let path = match inputs::policy_path(args.policy.as_deref(), manifest.as_ref()) {
        Ok(p) => p,
        Err(e) => return e,
    };
    // The same load as every reload: size, UTF-8, check, the policy's own
    // tests.
    let loaded = match reload::load(&path) {
        Ok(l) => l,
        Err(reload::Refused(why)) => {
            eprint!("{why}");
            if !why.ends_with('\n') {
                eprintln!();
            }
            eprintln!("error: `{}` cannot be served", path.display());
            return Exit::Problems;
        }
    };
    let max_body = match size(&args.max_body) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let token = match &args.token_file {
        None => None,
        Some(f) => match std::fs::read_to_string(f) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            Ok(_) => {
                eprintln!("error: the token file `{}` is empty", f.display());
                return Exit::Usage;
            }
            Err(e) => {
                eprintln!("error: cannot read the token file `{}`: {e}", f.display());
                return Exit::Usage;
            }
        },
    };
    let state = Arc::new(State {
        current: RwLock::new(Arc::new(loaded)),
        metrics: metrics::Metrics::default(),
        token,
        max_body,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        edge: edge::Edge {
            cors: args.cors.clone(),
            access_log: args.access_log,
        },
        refused: RwLock::new(None),
    });
    let limits = conn::Limits {
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        drain: Duration::from_secs(args.drain),
    };
    let open = Arc::new(tokio::sync::Semaphore::new(args.max_connections.max(1)));
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    serve(
        args.listen,
        threads,
        state,
        path,
        Duration::from_millis(args.reload_ms.max(50)),
        (limits, open),
    )
}

/// A listening socket on `addr` that other threads' sockets may share
/// (`SO_REUSEPORT`): the kernel spreads new connections over them.
fn listen_on(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

fn single_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Serves on `threads` threads, each a single-threaded runtime with its
/// own listening socket on the same port: a request is read, worked out
/// and answered on one thread, with no hand-over between threads.
fn serve(
    listen: SocketAddr,
    threads: usize,
    state: Arc<State>,
    path: PathBuf,
    every: Duration,
    (limits, open): (conn::Limits, Arc<tokio::sync::Semaphore>),
) -> Exit {
    let runtime = match single_thread() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server's threads: {e}");
            return Exit::Usage;
        }
    };
    // Sockets that share a port would let a second server started on it
    // by mistake quietly take half the requests: a plain socket bound
    // first fails on a port in use, as it always has, and picks the
    // port when 0 is given.
    let listen = match std::net::TcpListener::bind(listen).and_then(|probe| probe.local_addr()) {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("error: cannot listen on {listen}: {e}");
            return Exit::Usage;
        }
    };
    let first = match runtime.block_on(async { listen_on(listen) }) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {listen}: {e}");
            return Exit::Usage;
        }
    };
    let bound = first.local_addr().unwrap_or(listen);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    let app = routes::router(Arc::clone(&state));
    let mut others = Vec::new();
    for _ in 1..threads {
        let (ready, is_ready) = std::sync::mpsc::channel();
        let app = app.clone();
        let stopped = stopped.clone();
        let open = Arc::clone(&open);
        others.push(std::thread::spawn(move || {
            let runtime = match single_thread() {
                Ok(r) => r,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                match listen_on(bound) {
                    Ok(l) => {
                        let _ = ready.send(Ok(()));
                        if let Err(e) = conn::serve_on(l, app, stopped, open, limits).await {
                            tracing::error!(error = %e, "a server thread stopped");
                        }
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            });
        }));
        match is_ready.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                eprintln!("error: cannot listen on {bound} from a second thread: {e}");
                let _ = stop.send(true);
                return Exit::Usage;
            }
            Err(_) => {
                eprintln!("error: cannot start the server's threads");
                let _ = stop.send(true);
                return Exit::Usage;
            }
        }
    }
    let policy = describe(&state.policy().policy);
    let token = if state.token.is_some() {
        "; bearer token required"
    } else {
        ""
    };
    tracing::info!(
        "listening on http://{bound} — policy {policy} from {}{token}",
        path.display(),
    );
    let on_signal = Arc::clone(&stop);
    let stop_watching = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (state, stop) = (Arc::clone(&state), Arc::clone(&stop_watching));
        std::thread::spawn(move || reload::watch(state, path, every, stop))
    };
    let served = runtime.block_on(async move {
        tokio::spawn(async move {
            shutdown().await;
            let _ = on_signal.send(true);
        });
        conn::serve_on(first, app, stopped, open, limits).await
    });
    // However this thread's server ended, the others end with it.
    let _ = stop.send(true);
    for t in others {
        let _ = t.join();
    }
    // The watcher wakes at its next poll and stops; not waited for.
    stop_watching.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(watcher);
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: the server stopped: {e}");
            Exit::Usage
        }
    }
}

/// SIGTERM (or Ctrl-C): stop accepting, finish the requests in flight.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down (finishing requests in flight)");
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_the_way_people_write_them() {
        assert_eq!(super::size("10MB"), Ok(10 * 1024 * 1024));
        assert_eq!(super::size("512kb"), Ok(512 * 1024));
        assert_eq!(super::size("2048"), Ok(2048));
        assert!(super::size("ten").is_err());
        assert!(super::size("10 parsecs").is_err());
    }
}
