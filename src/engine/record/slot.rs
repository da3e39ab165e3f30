//! What a top-level key is to the contract (its [`Slot`]) and what its
//! value can be read as ([`Scalar`]).

use std::borrow::Cow;

use super::TsValue;

/// The JSON value of a field, kept only when it has a usable type. Any
/// other value is still walked in full (so its syntax and depth count).
#[derive(Debug)]
pub(super) enum Scalar<'a> {
    Str(Cow<'a, str>),
    UInt(u64),
    Int(i64),
    Float(f64),
    Other,
}

impl<'a> Scalar<'a> {
    pub(super) fn string(self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
    pub(super) fn status(self) -> Option<u16> {
        match self {
            Scalar::UInt(u) => Some(u16::try_from(u).unwrap_or(u16::MAX)),
            Scalar::Int(i) => Some(u16::try_from(i).unwrap_or(if i < 0 { 0 } else { u16::MAX })),
            Scalar::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                let digits = s.trim_start_matches('0');
                Some(if digits.len() > 5 {
                    u16::MAX
                } else {
                    digits.parse::<u32>().map_or(u16::MAX, |v| u16::try_from(v).unwrap_or(u16::MAX))
                })
            }
            _ => None,
        }
    }
    pub(super) fn timestamp(self) -> Option<TsValue<'a>> {
        match self {
            Scalar::Str(s) => Some(TsValue::Text(s)),
            Scalar::UInt(u) => Some(i64::try_from(u).map_or(TsValue::Float(u as f64), TsValue::Int)),
            Scalar::Int(i) => Some(TsValue::Int(i)),
            Scalar::Float(f) => Some(TsValue::Float(f)),
            Scalar::Other => None,
        }
    }
    pub(super) fn number(self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)]
        match self {
            Scalar::UInt(u) => Some(u as f64),
            Scalar::Int(i) => Some(i as f64),
            Scalar::Float(f) => Some(f),
            _ => None,
        }
    }
    pub(super) fn seconds(self) -> Option<u64> {
        match self {
            Scalar::UInt(u) => Some(u),
            _ => None,
        }
    }
}

/// Where a top-level key's value goes, with its name's rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Ts(u8),
    Status(u8),
    Code(u8),
    RequestId(u8),
    Message(u8),
    Method,
    Path,
    ApiKey,
    Latency,
    RetryAfter,
    ClientIp,
    Upstream,
    Error,
    Other,
}

impl Slot {
    /// Strings that counting reads only for failures and non-request events.
    pub(super) fn is_deferred(slot: Slot) -> bool {
        matches!(
            slot,
            Slot::RequestId(_)
                | Slot::Path
                | Slot::ClientIp
                | Slot::Upstream
                | Slot::ApiKey
                | Slot::Method
                | Slot::Latency
        )
    }

    #[inline]
    pub(super) fn of(key: &[u8]) -> Slot {
        // Most keys of a line are none of these: the length and first byte
        // rule them out before any comparison of the whole name.
        let candidate = matches!(
            (key.len(), key.first()),
            (2, Some(b't'))
                | (3, Some(b'm'))
                | (4, Some(b't' | b'c' | b'p'))
                | (5, Some(b'e'))
                | (6, Some(b's' | b'm' | b'r'))
                | (7, Some(b'm'))
                | (8, Some(b'u'))
                | (9, Some(b't' | b'r' | b'c'))
                | (10, Some(b'@' | b'l' | b'a' | b'e' | b'r'))
                | (11, Some(b's' | b'r' | b'h'))
        );
        if !candidate {
            return Slot::Other;
        }
        match key {
            b"ts" => Slot::Ts(0),
            b"timestamp" => Slot::Ts(1),
            b"time" => Slot::Ts(2),
            b"@timestamp" => Slot::Ts(3),
            b"status" => Slot::Status(0),
            b"status_code" => Slot::Status(1),
            b"http_status" => Slot::Status(2),
            b"code" => Slot::Code(1),
            b"error_code" => Slot::Code(2),
            b"request_id" => Slot::RequestId(0),
            b"requestId" => Slot::RequestId(1),
            b"req_id" => Slot::RequestId(2),
            b"message" => Slot::Message(1),
            b"msg" => Slot::Message(2),
            b"error" => Slot::Error,
            b"method" => Slot::Method,
            b"path" => Slot::Path,
            b"api_key_id" => Slot::ApiKey,
            b"latency_ms" => Slot::Latency,
            b"retry_after" => Slot::RetryAfter,
            b"client_ip" => Slot::ClientIp,
            b"upstream" => Slot::Upstream,
            _ => Slot::Other,
        }
    }
}
