//! The Wontopos API's documented error codes, shipped inside the tool.
//!
//! Transcribed word for word from the API's "Error Codes" page
//! (`shared/error-codes.md`); `catalog_matches_documentation` in the tests
//! re-reads that page when it is present so the two cannot drift apart.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Category {
    #[serde(rename = "authentication")]
    Authentication,
    #[serde(rename = "request")]
    Request,
    #[serde(rename = "rate limit")]
    RateLimit,
    #[serde(rename = "server")]
    Server,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Authentication => "authentication",
            Category::Request => "request",
            Category::RateLimit => "rate limit",
            Category::Server => "server",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ErrorDoc {
    pub code: &'static str,
    pub status: u16,
    pub category: Category,
    pub description: &'static str,
    pub resolution: &'static str,
}

const fn doc(
    code: &'static str,
    status: u16,
    category: Category,
    description: &'static str,
    resolution: &'static str,
) -> ErrorDoc {
    ErrorDoc { code, status, category, description, resolution }
}

use Category::{Authentication, RateLimit, Request, Server};

#[rustfmt::skip]
pub const CATALOG: [ErrorDoc; 16] = [
    doc("authentication_failed", 401, Authentication, "No valid API key provided", "Check the Authorization header"),
    doc("api_key_expired", 401, Authentication, "The API key has expired", "Generate a new key in the dashboard"),
    doc("api_key_revoked", 401, Authentication, "The API key has been deleted", "Create a new API key"),
    doc("insufficient_scope", 403, Authentication, "API key lacks the required scope", "Add the required scope to your key"),
    doc("invalid_parameter", 400, Request, "A request parameter is invalid", "Check parameter types and values"),
    doc("missing_parameter", 400, Request, "A required parameter is missing", "Include all required fields"),
    doc("invalid_json", 400, Request, "Request body is not valid JSON", "Fix JSON syntax"),
    doc("not_found", 404, Request, "The requested resource does not exist", "Verify the resource ID"),
    doc("method_not_allowed", 405, Request, "HTTP method not supported", "Use a supported method"),
    doc("conflict", 409, Request, "Resource already exists", "Use a unique identifier"),
    doc("unprocessable_entity", 422, Request, "Valid format but semantic error", "Check business logic constraints"),
    doc("rate_limit_exceeded", 429, RateLimit, "Too many requests per minute", "Wait for Retry-After seconds"),
    doc("quota_exceeded", 429, RateLimit, "Daily request quota exhausted", "Upgrade plan or wait until reset"),
    doc("internal_error", 500, Server, "Unexpected server error", "Retry or contact support"),
    doc("service_unavailable", 503, Server, "API is temporarily unavailable", "Retry with backoff"),
    doc("gateway_timeout", 504, Server, "Upstream API timed out", "Retry or check status page"),
];

/// The documentation of `code`, whatever status it came with.
pub fn lookup(code: &str) -> Option<&'static ErrorDoc> {
    CATALOG.iter().find(|d| d.code == code)
}

/// A failure group is documented when its code is in the catalog *and* its
/// status is the one documented for that code.
pub fn is_documented(code: Option<&str>, status: u16) -> bool {
    code.and_then(lookup).is_some_and(|d| d.status == status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_unique_codes() {
        let mut codes: Vec<_> = CATALOG.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 16);
    }

    #[test]
    fn documented_needs_code_and_status() {
        assert!(is_documented(Some("rate_limit_exceeded"), 429));
        assert!(!is_documented(Some("rate_limit_exceeded"), 503));
        assert!(!is_documented(Some("no_such_code"), 500));
        assert!(!is_documented(None, 500));
    }

    /// Re-reads the documentation page the catalog was transcribed from.
    #[test]
    fn catalog_matches_documentation() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/error-codes.md");
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipped: {path} not present");
            return;
        };
        let mut rows = 0;
        for line in text.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() != 5 || cells[0].is_empty() || cells[0] == "Code" {
                continue;
            }
            let d = lookup(cells[0]).unwrap_or_else(|| panic!("{} missing", cells[0]));
            assert_eq!(d.status.to_string(), cells[1]);
            assert_eq!(d.description, cells[2]);
            assert_eq!(d.resolution, cells[3]);
            rows += 1;
        }
        assert_eq!(rows, 16);
    }
}
