//! The same traffic in Kong's shape (its log serializer, as the file-log
//! plugin writes it): nested `request`, `response`, `latencies` and
//! `consumer` objects among route and service metadata. For measuring a
//! nested profile on traffic identical to the default shape's.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::engine::time::parse_rfc3339;

/// Converts each complete line written to it; lines that are no request
/// (heartbeats, upstream warnings) pass as they are.
pub struct KongWriter<W: Write> {
    out: W,
    pending: Vec<u8>,
}

impl<W: Write> KongWriter<W> {
    pub fn new(out: W) -> Self {
        KongWriter { out, pending: Vec::new() }
    }

    fn convert(&mut self, line: &[u8]) -> io::Result<()> {
        let parsed = serde_json::from_slice::<Value>(line).ok();
        let Some((w, status)) = parsed
            .as_ref()
            .and_then(Value::as_object)
            .and_then(|w| Some((w, w.get("status").and_then(Value::as_u64)?)))
        else {
            self.out.write_all(line)?;
            return self.out.write_all(b"\n");
        };
        let text = |k: &str| w.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let started =
            w.get("ts").and_then(Value::as_str).and_then(parse_rfc3339).map_or(0, |n| n / 1_000_000);
        let latency = w.get("latency_ms").and_then(Value::as_f64).unwrap_or(0.0).round();
        let (id, path, key) = (text("request_id"), text("path"), text("api_key_id"));
        let mut headers = json!({
            "content-type": "application/json", "connection": "keep-alive",
            "via": "1.1 kong/3.9.1", "x-kong-request-id": id,
        });
        if let Some(ra) = w.get("retry_after").and_then(Value::as_u64) {
            headers["retry-after"] = Value::from(ra.to_string());
        }
        let event = json!({
            "response": {"size": 1893, "headers": headers, "status": status},
            "route": {"name": "api-route", "id": "a0e4c8b2-5d1f-4936-87ab-e2c6f0d4b815", "paths": ["/v1"],
                      "protocols": ["http", "https"], "strip_path": false, "preserve_host": false},
            "workspace": "4f6c0a1e-9d3b-4b27-8e5a-c2d7f9b13e60",
            "consumer": {"id": format!("consumer-{key}"), "username": key, "created_at": 1_793_491_200},
            "tries": [{"balancer_start": started, "ip": "10.20.4.17", "port": 8080, "balancer_latency": 0}],
            "client_ip": text("client_ip"),
            "request": {"id": id, "headers": {"accept": "application/json", "host": "api.wontopos.example",
                        "user-agent": "wontopos-sdk/2.4.1"},
                        "uri": path, "size": 312, "method": text("method"), "querystring": {},
                        "url": format!("https://api.wontopos.example:8443{path}")},
            "upstream_uri": path,
            "started_at": started,
            "source": if status >= 500 { "upstream" } else { "kong" },
            "upstream_status": status.to_string(),
            "latencies": {"kong": 2, "proxy": (latency - 2.0).max(0.0), "request": latency, "receive": 0},
            "service": {"name": "wontopos-api", "host": "api.svc.internal", "port": 8080, "protocol": "http",
                        "retries": 5, "read_timeout": 60000},
        });
        serde_json::to_writer(&mut self.out, &event)?;
        self.out.write_all(b"\n")
    }
}

impl<W: Write> Write for KongWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let Some(end) = memchr::memrchr(b'\n', &self.pending) else { return Ok(buf.len()) };
        let complete: Vec<u8> = self.pending.drain(..=end).collect();
        for line in complete[..complete.len() - 1].split(|&b| b == b'\n') {
            self.convert(line)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.convert(&rest)?;
        }
        self.out.flush()
    }
}
