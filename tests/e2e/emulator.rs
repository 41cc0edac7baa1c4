//! What the local API emulators (tests/emulators/*.py) have in common: starting one, which prints
//! `LISTENING http://127.0.0.1:PORT` when it is ready, and raw HTTP/1.1 requests to it, so their
//! self-tests see exactly the status, headers and body a client would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A raw HTTP response from an emulator.
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Runs `python3 SCRIPT` with the arguments `add_args` gives it and waits for its LISTENING line;
/// returns the process and the base URL. `what` names the emulator when it does not start.
pub fn launch(
    what: &str,
    script: &std::path::Path,
    add_args: impl FnOnce(&mut Command),
) -> (Child, String) {
    launch_with(std::path::Path::new("python3"), what, script, add_args)
}

/// [`launch`] with another Python (e.g. the tools venv's, which has boto3).
pub fn launch_with(
    python: &std::path::Path,
    what: &str,
    script: &std::path::Path,
    add_args: impl FnOnce(&mut Command),
) -> (Child, String) {
    let mut cmd = Command::new(python);
    cmd.arg(script);
    add_args(&mut cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {} {}: {e}", python.display(), script.display()));
    let stdout = child.stdout.take().expect("emulator stdout is piped");
    let mut line = String::new();
    let read = BufReader::new(stdout).read_line(&mut line);
    let Some(url) = line.trim().strip_prefix("LISTENING ").map(str::to_string) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the {what} emulator did not start ({read:?}): {line:?}");
    };
    (child, url)
}

/// One HTTP/1.1 request on a fresh connection to `addr` (host:port); `path` is absolute.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> RawResponse {
    let mut stream = TcpStream::connect(addr).expect("connect to emulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set read timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).expect("send request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read response");
    let text = String::from_utf8_lossy(&response);
    let (head, payload) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    RawResponse {
        status,
        headers,
        body: serde_json::from_str(payload).unwrap_or(Value::Null),
    }
}
