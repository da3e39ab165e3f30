//! One filter language for every command and the live view.
//!
//! ```text
//! status>=500   status=429   code=rate_limit_exceeded   code!=not_found
//! key=key_0007  path~/v1/orders  method=POST  ip=203.0.113.9  upstream=billing-svc
//! id=req_...    level=error  latency>1000  retry_after>=60  message~timeout
//! undocumented   documented   timeout   "two words"
//! a and b   a b (and)   a or b   not a   ( ... )
//! ```
//! Field names are the field map's (`fields::Field`), so a field a profile
//! maps is filtered on like any other. Fields compare exactly (`=`, `!=`),
//! as substrings (`~`, `!~`) or, for `status`, `latency` and
//! `retry_after`, as numbers (`<`, `<=`, `>`, `>=`). A bare word matches anywhere
//! in the line, ignoring case. A line that is not a JSON object matches only
//! through words.

use std::fmt;

use super::catalog;
pub use super::fields::Field;
use super::record::{Parsed, Record};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Field { field: Field, op: Op, value: String },
    Documented(bool),
    Word(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Contains,
    NotContains,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A filter that does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// 1-based column of the offending text.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "filter, column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for FilterError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
}

fn tokenize(src: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let column = src[..at].chars().count() + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((column, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((column, Tok::RParen));
                i += 1;
            }
            _ => {
                let mut word = String::new();
                let mut quoted = false;
                while i < chars.len() {
                    let c = chars[i].1;
                    if c == '"' {
                        quoted = !quoted;
                    } else if !quoted && (c.is_whitespace() || c == '(' || c == ')') {
                        break;
                    } else {
                        word.push(c);
                    }
                    i += 1;
                }
                if quoted {
                    return Err(FilterError { column, message: "a quote is not closed".into() });
                }
                out.push((column, Tok::Word(word)));
            }
        }
    }
    Ok(out)
}

/// Far more than anyone types, and well within the stack.
const MAX_TERMS: usize = 1000;

struct Parser {
    /// Terms read so far (see `primary`).
    terms: usize,
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end_column: usize,
    depth: usize,
}

impl Filter {
    pub fn parse(src: &str) -> Result<Filter, FilterError> {
        let toks = tokenize(src)?;
        if toks.is_empty() {
            return Err(FilterError { column: 1, message: "the filter is empty".into() });
        }
        let mut p = Parser { toks, pos: 0, end_column: src.chars().count() + 1, depth: 0, terms: 0 };
        let f = p.or()?;
        if let Some((column, t)) = p.toks.get(p.pos) {
            let what = if *t == Tok::RParen { "a ')' without its '('" } else { "unexpected text" };
            return Err(FilterError { column: *column, message: what.into() });
        }
        Ok(f)
    }

    /// Whether a parsed line matches; `line` is its raw text.
    pub fn matches(&self, parsed: &Parsed<'_>, line: &[u8]) -> bool {
        let lower = std::cell::OnceCell::new();
        self.eval(parsed, line, &lower)
    }

    fn eval(&self, parsed: &Parsed<'_>, line: &[u8], lower: &std::cell::OnceCell<String>) -> bool {
        match self {
            Filter::And(a, b) => a.eval(parsed, line, lower) && b.eval(parsed, line, lower),
            Filter::Or(a, b) => a.eval(parsed, line, lower) || b.eval(parsed, line, lower),
            Filter::Not(a) => !a.eval(parsed, line, lower),
            Filter::Word(w) => {
                lower.get_or_init(|| String::from_utf8_lossy(line).to_lowercase()).contains(w.as_str())
            }
            Filter::Documented(want) => match parsed {
                Parsed::Event(r) if r.is_failure() => {
                    r.status.is_some_and(|s| catalog::is_documented(r.code.as_deref(), s)) == *want
                }
                _ => false,
            },
            Filter::Field { field, op, value } => match parsed {
                Parsed::Event(r) => field_matches(r, *field, *op, value),
                Parsed::Malformed(_) => false,
            },
        }
    }

    /// Whether evaluating needs every field of a record.
    pub fn needs_fields(&self) -> bool {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.needs_fields() || b.needs_fields(),
            Filter::Not(a) => a.needs_fields(),
            Filter::Field { field, .. } => !matches!(field, Field::Status | Field::Code | Field::RetryAfter),
            Filter::Documented(_) | Filter::Word(_) => false,
        }
    }
}

fn field_matches(r: &Record<'_>, field: Field, op: Op, value: &str) -> bool {
    #[allow(clippy::cast_precision_loss)]
    let number = match field {
        Field::Status => Some(r.status.map(f64::from)),
        Field::Latency => Some(r.latency_ms),
        Field::RetryAfter => Some(r.retry_after.map(|s| s as f64)),
        _ => None,
    };
    if let Some(n) = number {
        let Some(n) = n else { return matches!(op, Op::Ne | Op::NotContains) };
        let Ok(v) = value.parse::<f64>() else { return false };
        let shown = if n.fract() == 0.0 { format!("{n:.0}") } else { n.to_string() };
        return match op {
            Op::Eq => n == v,
            Op::Ne => n != v,
            Op::Lt => n < v,
            Op::Le => n <= v,
            Op::Gt => n > v,
            Op::Ge => n >= v,
            Op::Contains => shown.contains(value),
            Op::NotContains => !shown.contains(value),
        };
    }
    let text = match field {
        Field::Code => r.code.as_deref(),
        Field::ApiKey => r.api_key_id.as_deref(),
        Field::Path => r.path.as_deref(),
        Field::Method => r.method.as_deref(),
        Field::ClientIp => r.client_ip.as_deref(),
        Field::Upstream => r.upstream.as_deref(),
        Field::RequestId => r.request_id.as_deref(),
        Field::Message => r.message.as_deref(),
        Field::Level => r.level.as_deref(),
        Field::Status | Field::Latency | Field::RetryAfter | Field::Time => None,
    };
    match (op, text) {
        (Op::Eq, Some(t)) => {
            t == value || (matches!(field, Field::Method | Field::Level) && t.eq_ignore_ascii_case(value))
        }
        (Op::Ne, t) => t != Some(value),
        (Op::Contains, Some(t)) => t.contains(value),
        (Op::NotContains, t) => !t.is_some_and(|t| t.contains(value)),
        _ => false,
    }
}

/// Fields a filter compares as numbers.
fn is_numeric(field: Field) -> bool {
    matches!(field, Field::Status | Field::Latency | Field::RetryAfter)
}

const OPS: [(&str, Op); 8] = [
    ("!=", Op::Ne),
    ("!~", Op::NotContains),
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("=", Op::Eq),
    ("~", Op::Contains),
    ("<", Op::Lt),
    (">", Op::Gt),
];

impl Parser {
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some((_, Tok::Word(w))) => Some(w),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("or")) {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.not()?;
        loop {
            match self.toks.get(self.pos) {
                Some((_, Tok::Word(w))) if w.eq_ignore_ascii_case("or") => break,
                Some((_, Tok::Word(w))) if w.eq_ignore_ascii_case("and") => self.pos += 1,
                Some((_, Tok::RParen)) | None => break,
                Some(_) => {}
            }
            let right = self.not()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Filter, FilterError> {
        // Counted, not recursed: `not not x` is `x`, and twenty thousand
        // nots must not overflow the stack.
        let mut negate = false;
        while self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("not")) {
            self.pos += 1;
            negate = !negate;
        }
        let inner = self.primary()?;
        Ok(if negate { Filter::Not(Box::new(inner)) } else { inner })
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        let Some((column, tok)) = self.toks.get(self.pos).cloned() else {
            return Err(FilterError { column: self.end_column, message: "the filter ends too soon".into() });
        };
        // `a and b and ...` nests one level per term: matching and dropping
        // recurse that deep, so the number of terms is bounded.
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(FilterError {
                column,
                message: format!("more than {MAX_TERMS} terms in one filter"),
            });
        }
        self.pos += 1;
        match tok {
            Tok::LParen => {
                self.depth += 1;
                if self.depth > 64 {
                    return Err(FilterError { column, message: "parentheses nested too deep".into() });
                }
                let inner = self.or()?;
                self.depth -= 1;
                match self.toks.get(self.pos) {
                    Some((_, Tok::RParen)) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    Some((c, _)) => Err(FilterError { column: *c, message: "expected ')'".into() }),
                    None => Err(FilterError { column, message: "this '(' is not closed".into() }),
                }
            }
            Tok::RParen => Err(FilterError { column, message: "a ')' without its '('".into() }),
            Tok::Word(w) => word(&w, column),
        }
    }
}

fn word(w: &str, column: usize) -> Result<Filter, FilterError> {
    match w.to_ascii_lowercase().as_str() {
        "undocumented" => return Ok(Filter::Documented(false)),
        "documented" => return Ok(Filter::Documented(true)),
        "and" | "or" | "not" => {
            return Err(FilterError { column, message: format!("'{w}' needs something on both sides") })
        }
        _ => {}
    }
    let found = OPS
        .iter()
        .filter_map(|(sym, op)| w.find(sym).map(|at| (at, *sym, *op)))
        .min_by_key(|(at, sym, _)| (*at, usize::MAX - sym.len()));
    let Some((at, sym, op)) = found else { return Ok(Filter::Word(w.to_lowercase())) };
    let name = &w[..at];
    let value = &w[at + sym.len()..];
    // The field map's names, and the short ones (`key`, `ip`, `id`).
    let lower = name.to_ascii_lowercase();
    let field = match Field::from_name(&lower) {
        _ if lower.is_empty() => {
            return Err(FilterError { column, message: format!("'{sym}' needs a field name before it") })
        }
        Some(Field::Time) => {
            return Err(FilterError {
                column,
                message: "time is filtered with --since and --until (or the chart window)".to_owned(),
            })
        }
        Some(f) => f,
        None => {
            let names: Vec<&str> =
                Field::ALL.iter().filter(|f| **f != Field::Time).map(|f| f.name()).collect();
            return Err(FilterError {
                column,
                message: format!("unknown field '{lower}' ({}; key, ip and id for short)", names.join(", ")),
            });
        }
    };
    let value_column = column + w[..at + sym.len()].chars().count();
    if value.is_empty() {
        return Err(FilterError { column: value_column, message: format!("'{name}{sym}' needs a value") });
    }
    if is_numeric(field) && value.parse::<f64>().is_err() {
        return Err(FilterError {
            column: value_column,
            message: format!("{field} is compared with a number, not '{value}'"),
        });
    }
    if !is_numeric(field) && matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) {
        return Err(FilterError {
            column: column + at,
            message: format!("'{sym}' compares numbers; use =, != or ~ for {name}"),
        });
    }
    Ok(Filter::Field { field, op, value: value.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::record::parse_line;

    fn m(filter: &str, line: &str) -> bool {
        let map = crate::engine::fields::wontopos_map();
        Filter::parse(filter).unwrap().matches(&parse_line(map, line.as_bytes()), line.as_bytes())
    }

    const L429: &str = r#"{"status":429,"code":"rate_limit_exceeded","api_key_id":"key_0007","path":"/v1/orders/5","method":"POST","request_id":"req_A"}"#;
    const L503: &str =
        r#"{"status":"503","code":"service_unavailable","api_key_id":"key_0001","path":"/v1/payments"}"#;
    const L500: &str = r#"{"status":500,"code":"not_found","msg":"Timeout talking to DB"}"#;

    #[test]
    fn fields_and_words() {
        assert!(m("status>=500", L503) && !m("status>=500", L429));
        assert!(m("status=429", L429));
        assert!(m("code=rate_limit_exceeded", L429) && !m("code!=rate_limit_exceeded", L429));
        assert!(m("key=key_0007", L429));
        assert!(m("path~/v1/orders", L429) && !m("path~/v1/orders", L503));
        assert!(m("method=post", L429));
        assert!(m("undocumented", L500) && !m("undocumented", L503) && m("documented", L503));
        assert!(m("timeout", L500), "words ignore case");
        assert!(m("\"talking to\"", L500));
        assert!(m("id=req_A", L429));
    }

    /// Every field of the field map filters, read through the profile.
    #[test]
    fn every_mapped_field_filters() {
        let line = r#"{"ts":"2026-11-24T13:00:00Z","level":"warn","status":503,"latency_ms":1500.5,"retry_after":60,"message":"upstream timed out","client_ip":"203.0.113.9","upstream":"billing-svc"}"#;
        assert!(m("level=WARN", line) && m("latency>1000", line) && !m("latency<1000", line));
        assert!(m("retry_after>=60", line) && m("message~timed", line) && m("ip=203.0.113.9", line));
        assert!(m("client_ip=203.0.113.9", line) && m("upstream=billing-svc", line));
        assert!(!m("latency>1000", L429) && m("latency!=5", L429), "no latency: only != holds");
        let e = |s: &str| Filter::parse(s).unwrap_err();
        assert!(e("ts>3").message.contains("--since"));
        assert!(e("latency>fast").message.contains("compared with a number"));
        assert!(e("level>3").message.contains("compares numbers"));
        // Read through another profile, the same names find its paths.
        let pino = crate::engine::fields::FieldMap::compile(
            crate::engine::fields::Mapping::wontopos().profile("pino-http").unwrap(),
        );
        let line = r#"{"level":50,"time":1796130310000,"req":{"method":"POST","url":"/v1/pay?x=1"},"res":{"statusCode":502},"responseTime":30001}"#;
        let parsed = parse_line(&pino, line.as_bytes());
        for f in ["status=502", "path~/v1/pay", "method=POST", "level=error", "latency>30000"] {
            assert!(Filter::parse(f).unwrap().matches(&parsed, line.as_bytes()), "{f}");
        }
    }

    /// Issue 12, item 11: no filter can overflow the stack, in parsing,
    /// matching or dropping it.
    #[test]
    fn deep_filters_parse_or_are_refused_clearly() {
        let many_nots = |n: usize| format!("{}status=503", "not ".repeat(n));
        assert!(m(&many_nots(20_000), L503), "an even number of nots is no not");
        assert!(!m(&many_nots(20_001), L503));
        let long = format!("{}status=503", "status>=100 and ".repeat(20_000));
        let e = Filter::parse(&long).unwrap_err();
        assert!(e.message.contains("terms"), "{e}");
        let ok = format!("{}status=503", "status>=100 and ".repeat(500));
        assert!(m(&ok, L503));
    }

    #[test]
    fn boolean_logic() {
        assert!(m("status=429 or status=503", L503));
        assert!(m("status>=400 and not code=not_found", L503));
        assert!(!m("status>=400 not code=service_unavailable", L503));
        assert!(m("(code=not_found or key=key_0007) and status>=429", L429));
        assert!(!m("status>=500", "plain text") && m("plain", "plain text"));
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = |s: &str| Filter::parse(s).unwrap_err();
        assert_eq!(e("status>=abc").column, 9);
        assert_eq!(e("status=429 and").column, 15);
        assert_eq!(e("(status=429").column, 1);
        assert_eq!(e("color=red").column, 1);
        assert!(e("color=red").message.contains("unknown field"));
        assert_eq!(e("status=429 )").column, 12);
        assert_eq!(e("code>5").column, 5);
        assert_eq!(e("").column, 1);
        assert_eq!(e("key=").column, 5);
    }
}
