//! A JSON value as the reader sees it: a string or number it may keep,
//! or anything else, which is only walked (so its syntax and depth count).

use std::borrow::Cow;

#[derive(Debug, Clone)]
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
}
