//! The real receivers the notice tests deliver to: an SMTP server (aiosmtpd, through
//! `scripts/smtp-sink.py`, keeping each message as a file) and an HTTP server for webhooks
//! (axum, recording every call and answering as each path is told to).

use std::{
    collections::HashMap,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

/// A running SMTP server.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

/// One received mail: its headers (names lower-cased, unfolded), the decoded text of every
/// part, and the envelope recipient.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub headers: HashMap<String, String>,
    pub text: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    /// The first `{prefix}{64 hex digits}` in the mail, e.g. a link's token.
    pub fn token_after(&self, prefix: &str) -> Option<String> {
        let at = self.text.find(prefix)? + prefix.len();
        let token: String = self.text[at..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        (token.len() == 64).then_some(token)
    }
}

fn sink_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/smtp-sink.py")
}

impl SmtpSink {
    /// Start one on a free port (or `port`).
    pub fn start_on(port: u16) -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new("python3")
            .arg(sink_script())
            .arg(dir.path())
            .args(["--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh --test installs it)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the sink says its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink did not start: {line:?}"));
        SmtpSink { port, dir, child }
    }

    pub fn start() -> Self {
        Self::start_on(0)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, in order.
    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|raw| parse(&String::from_utf8_lossy(&raw)))
            .collect()
    }

    /// Mails to `to`.
    pub fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails().into_iter().filter(|m| m.to == to).collect()
    }

    /// Wait until `n` mails to `to` have arrived (at most `secs` seconds), then return them.
    pub async fn wait_for(&self, to: &str, n: usize, secs: u64) -> Vec<Mail> {
        for _ in 0..secs * 10 {
            let got = self.mails_to(to);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = self.mails_to(to);
        assert!(
            got.len() >= n,
            "{n} mail(s) to {to} within {secs} s; got {}",
            got.len()
        );
        got
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Quoted-printable to text (soft line breaks and `=XX`).
fn unquote(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_headers(block: &str) -> HashMap<String, String> {
    let mut headers: HashMap<String, String> = HashMap::new();
    let mut last: Option<String> = None;
    for line in block.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(k) = &last {
                if let Some(v) = headers.get_mut(k) {
                    v.push(' ');
                    v.push_str(line.trim());
                }
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            headers.insert(k.clone(), v.trim().to_string());
            last = Some(k);
        }
    }
    headers
}

/// A raw message: headers, and the decoded text of its parts (plain and HTML).
fn parse(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
    let headers = parse_headers(head);
    let mut text = String::new();
    let boundary = headers
        .get("content-type")
        .and_then(|ct| ct.split("boundary=").nth(1))
        .map(|b| {
            b.trim_matches('"')
                .split(';')
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_string()
        });
    match boundary {
        Some(b) => {
            for part in body.split(&format!("--{b}")) {
                let Some((ph, pb)) = part.split_once("\n\n") else {
                    continue;
                };
                let ph = parse_headers(ph);
                let cte = ph
                    .get("content-transfer-encoding")
                    .map(|s| s.to_ascii_lowercase())
                    .unwrap_or_default();
                let decoded = match cte.as_str() {
                    "quoted-printable" => unquote(pb),
                    "base64" => {
                        use base64::Engine;
                        let clean: String = pb.chars().filter(|c| !c.is_whitespace()).collect();
                        base64::engine::general_purpose::STANDARD
                            .decode(clean)
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                            .unwrap_or_default()
                    }
                    _ => pb.to_string(),
                };
                text.push_str(&decoded);
                text.push('\n');
            }
        }
        None => text.push_str(body),
    }
    Mail {
        to: headers.get("x-envelope-to").cloned().unwrap_or_default(),
        headers,
        text,
    }
}

/// One call a webhook receiver got.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

/// A webhook receiver: `/ok` answers 200, `/gone` 410, `/flaky` 500 the first time and 200
/// after, `/down` always 500, `/sleep` 200 after 300 ms, `/slow` 200 after a minute (past
/// the worker's timeout). A call is recorded when it arrives; how many calls to a path were
/// under way at once at most is kept too.
pub struct Receiver {
    pub base: String,
    pub calls: Arc<Mutex<Vec<Call>>>,
    in_flight: Arc<Mutex<HashMap<String, (usize, usize)>>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone, Default)]
struct Seen {
    calls: Arc<Mutex<Vec<Call>>>,
    in_flight: Arc<Mutex<HashMap<String, (usize, usize)>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        use axum::{body::Bytes, extract::State, http::HeaderMap, http::Uri, routing::post};
        async fn hook(
            State(seen): State<Seen>,
            uri: Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> axum::http::StatusCode {
            let path = uri.path().to_string();
            let earlier = {
                let mut c = seen.calls.lock().expect("lock");
                let earlier = c.iter().filter(|x| x.path == path).count();
                c.push(Call {
                    path: path.clone(),
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                earlier
            };
            {
                let mut f = seen.in_flight.lock().expect("lock");
                let e = f.entry(path.clone()).or_default();
                e.0 += 1;
                e.1 = e.1.max(e.0);
            }
            use axum::http::StatusCode;
            let status = match path.as_str() {
                "/ok" => StatusCode::OK,
                "/gone" => StatusCode::GONE,
                "/flaky" if earlier == 0 => StatusCode::INTERNAL_SERVER_ERROR,
                "/flaky" => StatusCode::NO_CONTENT,
                "/sleep" => {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    StatusCode::OK
                }
                "/slow" => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    StatusCode::OK
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if let Some(e) = seen.in_flight.lock().expect("lock").get_mut(&path) {
                e.0 -= 1;
            }
            status
        }
        let seen = Seen::default();
        let router = axum::Router::new()
            .route("/{*path}", post(hook))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            base,
            calls: seen.calls,
            in_flight: seen.in_flight,
            task,
        }
    }

    /// Most calls to `path` that were under way at the same time.
    pub fn most_at_once(&self, path: &str) -> usize {
        self.in_flight
            .lock()
            .expect("lock")
            .get(path)
            .map(|e| e.1)
            .unwrap_or(0)
    }

    pub fn calls_to(&self, path: &str) -> Vec<Call> {
        self.calls
            .lock()
            .expect("lock")
            .iter()
            .filter(|c| c.path == path)
            .cloned()
            .collect()
    }

    /// Wait until `path` got `n` calls (at most `secs` seconds).
    pub async fn wait_for(&self, path: &str, n: usize, secs: u64) -> Vec<Call> {
        for _ in 0..secs * 10 {
            let got = self.calls_to(path);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = self.calls_to(path);
        assert!(
            got.len() >= n,
            "{n} call(s) to {path} within {secs} s; got {}",
            got.len()
        );
        got
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A running S3-compatible server (moto's, `scripts/s3-sink.py`) with one bucket.
pub struct S3Sink {
    pub port: u16,
    child: Child,
}

impl S3Sink {
    /// Start one on a free port, with the bucket `bucket`.
    pub fn start(bucket: &str) -> Self {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/s3-sink.py"))
            .arg(bucket)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with moto (scripts/setup.sh --test installs it)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the S3 server says its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the S3 server did not start: {line:?}"));
        S3Sink { port, child }
    }

    /// The document store's settings for this server (`ServeConfig::document_store_options`).
    pub fn options(&self) -> Vec<(String, String)> {
        [
            ("aws_endpoint", format!("http://127.0.0.1:{}", self.port)),
            ("aws_allow_http", "true".into()),
            ("aws_access_key_id", "test".into()),
            ("aws_secret_access_key", "test".into()),
            ("aws_region", "us-east-1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// How many objects the bucket holds.
    pub fn objects(&self, bucket: &str) -> usize {
        let script = format!(
            "import boto3\n\
             s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:{}', region_name='us-east-1', \
             aws_access_key_id='test', aws_secret_access_key='test')\n\
             print(s3.list_objects_v2(Bucket='{bucket}').get('KeyCount', 0))",
            self.port
        );
        let out = Command::new("python3")
            .args(["-c", &script])
            .output()
            .expect("python3 with boto3");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
    }
}

impl Drop for S3Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
