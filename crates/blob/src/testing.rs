//! Test support (feature `testing`): a real S3-compatible server, moto in server mode, started
//! once per test binary on a port the OS picks while binding (no guessed free port, no sleep),
//! and gone when the binary exits: it waits on its stdin, which the exit closes. The blob
//! contract tests and the server's end-to-end tests both use it.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The line CI runs before the tests (scripts/test.sh).
pub const INSTALL: &str = r#"python3 -m pip install "moto[server]""#;

const SERVER: &str = r#"
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"#;

pub struct Moto {
    pub endpoint: String,
    /// Kept, with its stdin open, for the life of the test binary: moto stops when that
    /// pipe closes at exit.
    _process: Mutex<Child>,
}

/// The shared server, or `None` (with a message) where moto is not installed. Under CI a
/// missing moto is a failure, not a skip, so the S3 backend cannot go untested unnoticed.
pub fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(|| {
        if !importable() {
            assert!(
                std::env::var_os("CI").is_none(),
                "moto is not installed; CI must run: {INSTALL}"
            );
            eprintln!("SKIPPED: the S3 backend tests need moto ({INSTALL})");
            return None;
        }
        Some(start())
    })
    .as_ref()
}

fn importable() -> bool {
    Command::new("python3")
        .args(["-c", "from moto.server import ThreadedMotoServer"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start() -> Moto {
    let mut child = Command::new("python3")
        .args(["-c", SERVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start moto");
    let stdout = child.stdout.take().expect("piped stdout");
    // moto prints its port once it is listening; a thread bounds the wait.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("moto did not start within a minute");
    let port: u16 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("moto did not print its port: {line:?}"));
    Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        _process: Mutex::new(child),
    }
}

impl Moto {
    /// Settings for an [`crate::S3Store`] on a fresh bucket of this server.
    pub async fn config(&self) -> crate::S3Config {
        crate::S3Config {
            endpoint: Some(self.endpoint.clone()),
            bucket: self.bucket().await,
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            prefix: "roadwarden/".into(),
            allow_http: true,
        }
    }

    /// A fresh bucket, so tests running side by side do not see each other's blobs. moto does
    /// not check signatures, so a bare PUT creates it.
    pub async fn bucket(&self) -> String {
        let name = format!("t-{}", uuid::Uuid::new_v4());
        let status = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .expect("create bucket")
            .status();
        assert!(status.is_success(), "create bucket: {status}");
        name
    }
}
