//! Issue 12, item 1: a flood of failed sign-ins must not exhaust the server. Each sign-in runs
//! an Argon2id hash (19 MiB); unbounded, 32 concurrent failures once took the server from 23 MB
//! to 2.6 GB resident. The real `roadwarden serve` process is started here and sent 200
//! concurrent sign-ins for unknown names, each from its own loopback address (so the
//! per-address throttle does not hide the hashing gate); its peak resident memory must stay
//! under 200 MB.

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const FLOOD: usize = 200;
const LIMIT_MB: u64 = 200;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `VmRSS` and `VmHWM` (peak) of a process, in kB.
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sec_02_two_hundred_concurrent_failed_sign_ins_keep_the_server_small() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc here: the memory figure cannot be read");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_roadwarden"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("ROADWARDEN__DATA_DIR", dir.path())
        .env_remove("ROADWARDEN__DATABASE__URL")
        .env("ROADWARDEN__JOBS__ENABLED", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start roadwarden serve");
    let pid = child.id();
    let _server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    let mut up = false;
    for _ in 0..600 {
        if probe
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not start");
    let (rss_before, _) = memory_kb(pid);

    let mut tasks = Vec::new();
    for i in 0..FLOOD {
        let url = format!("{base}/api/v1/auth/token");
        // 127.0.1.1 … 127.0.1.200: every attempt from its own address.
        let source = IpAddr::V4(Ipv4Addr::new(127, 0, 1, (i % 250 + 1) as u8));
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .local_address(source)
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap();
            client
                .post(url)
                .json(&serde_json::json!({ "username": format!("nobody.{i}"), "password": "Wrong-pass-1!" }))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for t in tasks {
        *statuses.entry(t.await.unwrap()).or_default() += 1;
    }
    let (rss_after, peak) = memory_kb(pid);
    eprintln!(
        "sign-in flood: {FLOOD} concurrent failures, answers {statuses:?}; resident {} MB before, \
         {} MB after, peak {} MB",
        rss_before / 1024,
        rss_after / 1024,
        peak / 1024
    );
    // Every answer is a refusal the client understands: wrong credentials (401), or busy (503)
    // when no hashing turn came in time. Never an error, never a dropped connection.
    assert!(
        statuses.keys().all(|s| matches!(s, 401 | 503)),
        "{statuses:?}"
    );
    assert!(statuses.get(&401).copied().unwrap_or(0) > 0, "{statuses:?}");
    assert!(
        peak < LIMIT_MB * 1024,
        "peak resident memory {} MB is over {LIMIT_MB} MB",
        peak / 1024
    );
}
