//! The field map: which paths of a JSON event hold the fields the tool
//! understands, for each shape of log it reads.
//!
//! This is the one place the contract's field names are spelled. A
//! [`Profile`] lists, for each canonical [`Field`], the paths to try in
//! order (the first usable value wins), each with an optional unit. The
//! built-in profiles (`builtin.toml`: the Wontopos API's own lines and
//! the gateways and frameworks in front of it) are written in the same TOML
//! a user extends them with (`--fields FILE`, the XDG config file) and
//! `--field NAME=PATH[:UNIT]` flags refine. A profile compiles into a
//! [`FieldMap`]: a tree of keys per [`Need`] that the reader walks while it
//! scans a line, so a mapped field is read by the fast scanner, the
//! serde_json fallback, the filters and the views alike.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

mod map;
pub mod path;

pub use map::{Entry, FieldMap, Leaf, Node};
pub use path::FieldPath;

/// The canonical fields, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Time,
    Status,
    Code,
    RequestId,
    Message,
    Method,
    Path,
    ApiKey,
    ClientIp,
    Latency,
    RetryAfter,
    Upstream,
    Level,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Time,
        Field::Status,
        Field::Code,
        Field::RequestId,
        Field::Message,
        Field::Method,
        Field::Path,
        Field::ApiKey,
        Field::ClientIp,
        Field::Latency,
        Field::RetryAfter,
        Field::Upstream,
        Field::Level,
    ];
    pub const COUNT: usize = Field::ALL.len();

    /// The name in profiles, flags and `recognized`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Time => "time",
            Field::Status => "status",
            Field::Code => "code",
            Field::RequestId => "request_id",
            Field::Message => "message",
            Field::Method => "method",
            Field::Path => "path",
            Field::ApiKey => "api_key",
            Field::ClientIp => "client_ip",
            Field::Latency => "latency",
            Field::RetryAfter => "retry_after",
            Field::Upstream => "upstream",
            Field::Level => "level",
        }
    }

    /// A field by its name, or by the short names the filter language uses
    /// (`key`, `ip`, `id`).
    pub fn from_name(name: &str) -> Option<Field> {
        let alias = match name {
            "key" | "api_key_id" => Some(Field::ApiKey),
            "ip" => Some(Field::ClientIp),
            "id" => Some(Field::RequestId),
            "ts" | "timestamp" => Some(Field::Time),
            _ => None,
        };
        alias.or_else(|| Field::ALL.into_iter().find(|f| f.name() == name))
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether a unit means something for this field's numbers.
    pub fn takes_unit(self) -> bool {
        matches!(self, Field::Time | Field::Latency)
    }

    /// Whether `need` reads this field.
    pub fn needed_for(self, need: Need) -> bool {
        match need {
            Need::All => true,
            // Retry-After too: a filtered count keeps the record whole
            // enough for the same answers as an unfiltered one.
            Need::Counts => matches!(self, Field::Time | Field::Status | Field::Code | Field::RetryAfter),
            Need::Insights => !matches!(self, Field::Message | Field::Level),
        }
    }

    /// Strings the live view only locates while scanning, and reads for
    /// the failures and other events that use them.
    pub fn is_deferred(self) -> bool {
        matches!(
            self,
            Field::RequestId
                | Field::Method
                | Field::Path
                | Field::ApiKey
                | Field::ClientIp
                | Field::Upstream
                | Field::Latency
        )
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which fields a reader keeps: counting needs only the time, status and
/// code; the rankings and the live view also the request's key, route,
/// client, upstream and id; a filter or the detail view everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Counts,
    Insights,
    All,
}

/// The unit of a number: epoch time or a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    S,
    Ms,
    Us,
    Ns,
}

impl Unit {
    pub fn parse(s: &str) -> Option<Unit> {
        match s {
            "s" => Some(Unit::S),
            "ms" => Some(Unit::Ms),
            "us" | "µs" => Some(Unit::Us),
            "ns" => Some(Unit::Ns),
            _ => None,
        }
    }

    /// Nanoseconds in one of this unit.
    pub fn nanos(self) -> f64 {
        match self {
            Unit::S => 1e9,
            Unit::Ms => 1e6,
            Unit::Us => 1e3,
            Unit::Ns => 1.0,
        }
    }
}

/// One shape of log: the paths of each field, in the order tried.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub about: String,
    /// Read values only in the forms the Wontopos log contract allows (a
    /// status of digits, RFC 3339 or epoch times, numbers as numbers),
    /// rather than every form gateways write (`values = "contract"`).
    pub strict: bool,
    paths: Vec<Vec<FieldPath>>,
}

impl Profile {
    pub fn new(name: &str, about: &str) -> Self {
        Profile {
            name: name.to_owned(),
            about: about.to_owned(),
            strict: false,
            paths: vec![Vec::new(); Field::COUNT],
        }
    }

    pub fn paths(&self, field: Field) -> &[FieldPath] {
        &self.paths[field.index()]
    }

    /// Puts `path` first for `field`: a user's mapping is tried before the
    /// profile's own.
    pub fn prepend(&mut self, field: Field, path: FieldPath) {
        let list = &mut self.paths[field.index()];
        list.retain(|p| p.text != path.text);
        list.insert(0, path);
    }

    pub fn set(&mut self, field: Field, paths: Vec<FieldPath>) {
        self.paths[field.index()] = paths;
    }
}

/// A bad mapping, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct MappingError {
    /// `FILE:LINE` or `--field`.
    pub origin: String,
    pub message: String,
}

/// The built-in profiles, written in the format users extend them with.
const BUILTIN: &str = include_str!("fields/builtin.toml");

/// Every profile known, built-in first, in the order detection prefers on
/// a tie.
#[derive(Debug, Clone)]
pub struct Profiles {
    list: Vec<Profile>,
}

impl Profiles {
    /// The built-in profiles.
    pub fn builtin() -> Profiles {
        let mut p = Profiles { list: Vec::new() };
        // Checked by a test; a broken built-in file is a bug of this build.
        if let Err(e) = p.extend_from_toml(BUILTIN, "builtin.toml") {
            panic!("built-in profiles: {e}");
        }
        p
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.list.iter().find(|p| p.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.list.iter()
    }

    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.name.as_str()).collect()
    }

    /// Adds or extends profiles from a TOML text (see `docs/log-format.md`):
    /// a `[profiles.NAME]` table per profile, with `about`, `extends` and a
    /// list of paths per field. A field listed replaces the paths of the
    /// profile it extends; one not listed keeps them.
    pub fn extend_from_toml(&mut self, text: &str, origin: &str) -> Result<(), MappingError> {
        use toml::Spanned;
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Doc {
            #[serde(default)]
            profiles: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
        }
        let at = |span: std::ops::Range<usize>| {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("{origin}:{line}")
        };
        let doc: Doc = toml::from_str(text).map_err(|e| MappingError {
            origin: e.span().map_or_else(|| origin.to_owned(), at),
            message: e.message().trim().to_owned(),
        })?;
        // In the order written: on a tie, detection prefers the earlier.
        let mut tables: Vec<_> = doc.profiles.into_iter().collect();
        tables.sort_by_key(|(name, _)| name.span().start);
        for (name, table) in tables {
            let err = |span, message: String| MappingError { origin: at(span), message };
            let pname = name.get_ref().clone();
            if pname.is_empty() || !pname.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(err(
                    name.span(),
                    format!("'{pname}' is not a profile name (letters, digits, - and _)"),
                ));
            }
            let base = table.iter().find(|(k, _)| k.get_ref() == "extends").map(|(_, v)| v);
            let mut profile = match base {
                Some(v) => {
                    let Some(b) = v.get_ref().as_str() else {
                        return Err(err(v.span(), "extends: give a profile name as a string".to_owned()));
                    };
                    let found = self.get(b).cloned().ok_or_else(|| {
                        err(
                            v.span(),
                            format!(
                                "extends '{b}', which is no profile (known: {})",
                                self.names().join(", ")
                            ),
                        )
                    })?;
                    Profile { name: pname.clone(), ..found }
                }
                None => self.get(&pname).cloned().unwrap_or_else(|| Profile::new(&pname, "")),
            };
            for (key, value) in &table {
                let k = key.get_ref().as_str();
                match k {
                    "extends" => {}
                    "values" => {
                        profile.strict = match value.get_ref().as_str() {
                            Some("contract") => true,
                            Some("any") => false,
                            _ => return Err(err(value.span(), "values: \"contract\" or \"any\"".to_owned())),
                        };
                    }
                    "about" => {
                        profile.about = value
                            .get_ref()
                            .as_str()
                            .ok_or_else(|| err(value.span(), "about: give a string".to_owned()))?
                            .to_owned();
                    }
                    _ => {
                        let field = Field::from_name(k).filter(|f| f.name() == k).ok_or_else(|| {
                            let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                            err(key.span(), format!("'{k}' is not a field (fields: {})", known.join(", ")))
                        })?;
                        let items: Vec<&toml::Value> = match value.get_ref() {
                            toml::Value::Array(a) => a.iter().collect(),
                            v @ toml::Value::String(_) => vec![v],
                            _ => return Err(err(value.span(), format!("{k}: give a list of paths"))),
                        };
                        let mut paths = Vec::new();
                        for item in items {
                            let s = item
                                .as_str()
                                .ok_or_else(|| err(value.span(), format!("{k}: each path is a string")))?;
                            let p = parse_field_path(field, s)
                                .map_err(|m| err(value.span(), format!("{k}: {m}")))?;
                            paths.push(p);
                        }
                        profile.set(field, paths);
                    }
                }
            }
            match self.list.iter_mut().find(|p| p.name == pname) {
                Some(slot) => *slot = profile,
                None => self.list.push(profile),
            }
        }
        Ok(())
    }

    /// Adds the profiles of the user's config file, if there is one.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<(), MappingError> {
        let text = std::fs::read_to_string(path).map_err(|e| MappingError {
            origin: path.display().to_string(),
            message: format!("cannot read the field map: {e}"),
        })?;
        self.extend_from_toml(&text, &path.display().to_string())
    }
}

/// Parses a path for `field`, checking that its unit fits the field.
fn parse_field_path(field: Field, text: &str) -> Result<FieldPath, String> {
    let p = FieldPath::parse(text)?;
    if p.unit.is_some() && !field.takes_unit() {
        return Err(format!("'{text}': {field} takes no unit (only time and latency do)"));
    }
    if p.variants().first().and_then(|v| v.first()).is_some_and(|s| matches!(s, path::Step::Index(_))) {
        return Err(format!("'{text}': a path starts with a key, since an event is an object"));
    }
    Ok(p)
}

/// A `--field NAME=PATH[:UNIT]` flag.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFlag {
    pub field: Field,
    pub path: FieldPath,
}

impl FieldFlag {
    pub fn parse(s: &str) -> Result<FieldFlag, String> {
        let (name, path) = s
            .split_once('=')
            .ok_or_else(|| format!("'{s}': write NAME=PATH, for example status=res.statusCode"))?;
        let field = Field::from_name(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            format!("'{name}' is not a field (fields: {})", known.join(", "))
        })?;
        let path = parse_field_path(field, path.trim())?;
        Ok(FieldFlag { field, path })
    }
}

/// How the user chose to read fields: a profile forced or detected, a
/// fields file, flags on top.
#[derive(Debug, Clone, Default)]
pub struct MappingOptions {
    pub profile: Option<String>,
    pub fields_file: Option<PathBuf>,
    pub flags: Vec<FieldFlag>,
}

/// The profiles a command reads with: built-in, then the user's file (the
/// one named, or the XDG default when it exists), then the flags, which
/// apply to every profile.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub profiles: Profiles,
    /// Set by `--profile`: every source is read with it, no detection.
    pub forced: Option<String>,
    pub flags: Vec<FieldFlag>,
}

impl Mapping {
    pub fn load(opts: &MappingOptions) -> Result<Mapping, MappingError> {
        let mut profiles = Profiles::builtin();
        match &opts.fields_file {
            Some(path) => profiles.extend_from_file(path)?,
            None => {
                if let Some(path) = default_fields_file().filter(|p| p.is_file()) {
                    profiles.extend_from_file(&path)?;
                }
            }
        }
        if let Some(name) = &opts.profile {
            if profiles.get(name).is_none() {
                return Err(MappingError {
                    origin: "--profile".to_owned(),
                    message: format!("'{name}' is no profile (known: {})", profiles.names().join(", ")),
                });
            }
        }
        for flag in &opts.flags {
            for p in &mut profiles.list {
                p.prepend(flag.field, flag.path.clone());
            }
        }
        Ok(Mapping { profiles, forced: opts.profile.clone(), flags: opts.flags.clone() })
    }

    /// Today's contract with nothing added: what tests and the generator use.
    pub fn wontopos() -> Mapping {
        Mapping { profiles: Profiles::builtin(), forced: None, flags: Vec::new() }
    }

    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The default profile: the Wontopos API's own lines.
    pub fn default_profile(&self) -> &Profile {
        self.profiles.get(DEFAULT_PROFILE).unwrap_or_else(|| &self.profiles.list[0])
    }
}

pub const DEFAULT_PROFILE: &str = "wontopos";

/// The default profile compiled once: what readers use when nobody chose.
pub fn wontopos_map() -> &'static std::sync::Arc<FieldMap> {
    static MAP: std::sync::OnceLock<std::sync::Arc<FieldMap>> = std::sync::OnceLock::new();
    MAP.get_or_init(|| std::sync::Arc::new(FieldMap::compile(Mapping::wontopos().default_profile())))
}

/// `$XDG_CONFIG_HOME/wontopos-logs/fields.toml`, or under `~/.config`.
pub fn default_fields_file() -> Option<PathBuf> {
    let base =
        std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()).map(PathBuf::from).or_else(|| {
            std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("wontopos-logs").join("fields.toml"))
}

#[cfg(test)]
mod tests;
