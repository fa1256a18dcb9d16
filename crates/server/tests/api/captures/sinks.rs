//! Stand-ins for the gateways notices leave through, on real sockets: an HTTP sink for the
//! SMS gateway and a real SMTP server for e-mail. Other areas (public reports) borrow them.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

/// An HTTP sink standing in for the SMS gateway (over a real socket).
pub(crate) async fn sms_sink() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(v);
                axum::Json(json!({ "ok": true }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/sms"), got)
}

/// A real SMTP server (aiosmtpd, installed by scripts/test.sh from PyPI) on a free port.
pub(crate) struct SmtpSink {
    child: std::process::Child,
    pub(crate) port: u16,
    out: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    pub(crate) fn start() -> Self {
        Self::start_with(&[])
    }

    /// With the sink's options: `--starttls`, `--tls`, `--auth USER:PASSWORD`.
    pub(crate) fn start_with(options: &[&str]) -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail.jsonl");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(&out)
            .args(options)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs the SMTP sink (pip install aiosmtpd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("the SMTP sink did not start (is aiosmtpd installed?): {line:?}")
            });
        Self {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    pub(crate) fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
