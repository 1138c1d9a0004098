//! Hostile files against the real binary and the real server: the two-cell workbook (cells
//! `A1` and `XFD1048576`, which made the spreadsheet reader allocate the whole sheet and
//! abort the process) is refused by `server import` running under a memory limit, and by
//! the web upload with the server still answering; an upload whose multipart body is cut
//! short or lacks its closing boundary is refused whole, nothing stored.

use std::{os::unix::process::ExitStatusExt, time::Duration};

use app::domain::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{spawn_app, Backend, TestApp};

const PASSWORD: &str = "correct horse battery staple";

/// A real workbook of two cells, `A1` and `XFD1048576` (rust_xlsxwriter writes the
/// dimension `A1:XFD1048576` as a spreadsheet program does).
fn two_cell_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "legal_name").expect("A1");
    sheet
        .write_string(1_048_575, 16_383, "x")
        .expect("XFD1048576");
    book.save_to_buffer().expect("xlsx")
}

#[test]
fn server_import_refuses_the_two_cell_workbook_within_a_memory_limit() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("two-cells.xlsx");
    let bytes = two_cell_workbook();
    assert!(
        bytes.len() < 8 * 1024,
        "a small file: {} bytes",
        bytes.len()
    );
    std::fs::write(&file, bytes).expect("write");
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    // 3 GiB of address space: the runtime's threads fit, the sheet's rectangle does not
    let out = std::process::Command::new("prlimit")
        .arg("--as=3221225472")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_server"))
        .args(["--database-url", &url, "import", "--dry-run"])
        .arg(&file)
        .env("RUST_LOG", "off")
        .output()
        .expect("prlimit runs the server");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), None, "no abort: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("more than 200 columns") && stderr.contains("XFD1048576"),
        "{stderr}"
    );
}

async fn manager(backend: Backend) -> (TestApp, String) {
    let app = spawn_app(backend).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let cookie = app.login("manager@example.test", PASSWORD).await;
    (app, cookie)
}

async fn imports(app: &TestApp) -> i64 {
    let db = app.db().await;
    let n = sqlx::query_scalar::<sqlx::Any, i64>("SELECT COUNT(*) FROM imports")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    db.pool.close().await;
    n
}

async fn two_cell_upload_leaves_the_server_answering(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let res = app
        .client
        .post(format!("{}/api/manage/import_upload", app.base))
        .header("cookie", &cookie)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(two_cell_workbook()).file_name("two-cells.xlsx"),
        ))
        .send()
        .await
        .expect("the server answers");
    let location = res.headers()["location"].to_str().expect("location");
    let why: Vec<(String, String)> = serde_urlencoded::from_str(
        location
            .strip_prefix("/manage/import?")
            .expect("back to the form with the reason"),
    )
    .expect("query");
    assert!(why[0].1.contains("more than 200 columns"), "{why:?}");
    assert_eq!(app.get("/healthz").await.0, 200, "the server still answers");
    assert_eq!(imports(&app).await, 0, "nothing stored");
    app.stop().await;
}

/// Send `head` then `body` over a raw connection and read the answer (whatever the server
/// says before it closes); with `cut`, drop the connection right after sending instead.
async fn raw_post(app: &TestApp, head: String, body: &[u8], cut: bool) -> String {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(body).await.expect("body");
    stream.flush().await.expect("flush");
    if cut {
        drop(stream);
        // the server has the cut connection's bytes; give it time to do what it will
        tokio::time::sleep(Duration::from_millis(500)).await;
        return String::new();
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn head(app: &TestApp, cookie: &str, length: Option<usize>) -> String {
    let length = match length {
        Some(n) => format!("Content-Length: {n}"),
        None => "Transfer-Encoding: chunked".into(),
    };
    format!(
        "POST /api/manage/import_upload HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\n{length}\r\n\
         Connection: close\r\n\r\n",
        app.base.trim_start_matches("http://")
    )
}

const PART: &str = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.csv\"\r\n\
                    Content-Type: text/csv\r\n\r\nlegal_name,purpose\nAcme Ltd,Hosting\nBeta";

const REFUSED: &str = "did+not+arrive+whole";

async fn truncated_uploads_are_refused_whole(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    // the whole body as declared, but without the closing boundary
    let answer = raw_post(
        &app,
        head(&app, &cookie, Some(PART.len())),
        PART.as_bytes(),
        false,
    )
    .await;
    assert!(answer.contains("/manage/import?error="), "{answer}");
    assert!(answer.contains(REFUSED), "{answer}");
    // the stream broken mid-file: a chunk, then what is no chunk
    let chunked = format!("{:x}\r\n{PART}\r\nzz-not-a-chunk\r\n", PART.len());
    let answer = raw_post(&app, head(&app, &cookie, None), chunked.as_bytes(), false).await;
    assert!(answer.contains(REFUSED), "{answer}");
    // the connection cut mid-file: fewer bytes than declared, then gone
    raw_post(
        &app,
        head(&app, &cookie, Some(PART.len() + 4096)),
        PART.as_bytes(),
        true,
    )
    .await;
    assert_eq!(
        imports(&app).await,
        0,
        "nothing of a broken upload was stored"
    );
    // a whole body is taken (the same request with its closing boundary)
    let whole = format!("{PART}\r\n--XyZ--\r\n");
    let answer = raw_post(
        &app,
        head(&app, &cookie, Some(whole.len())),
        whole.as_bytes(),
        false,
    )
    .await;
    assert!(answer.contains("location: /manage/import/"), "{answer}");
    assert_eq!(imports(&app).await, 1, "the whole upload was stored");
    assert_eq!(app.get("/healthz").await.0, 200);
    app.stop().await;
}

on_both_databases!(
    two_cell_upload_leaves_the_server_answering,
    truncated_uploads_are_refused_whole,
);
