//! Reading YAML and JSON documents into values, with faults located by line and column.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::{Error, ObjectRef};

/// A document, or an item of one, not yet read into a tree when it came as JSON: each item is
/// read when its turn comes, so a large snapshot is never held as one tree of values.
pub(crate) enum Doc<'a> {
    Value(Value),
    Raw(&'a RawValue),
}

impl Doc<'_> {
    /// The document as a tree of values.
    pub(crate) fn into_value(self, document: &'static str) -> Result<Value, Error> {
        match self {
            Doc::Value(v) => Ok(v),
            // The text was checked as JSON when it was split; reading it cannot fail, but a
            // failure would still be reported rather than a panic.
            Doc::Raw(r) => serde_json::from_str(r.get()).map_err(|e| Error::Document {
                document,
                message: e.to_string(),
            }),
        }
    }
}

/// Parses `bytes` as JSON (when it starts with `{` or `[`) or as a YAML stream of one or more
/// documents, returning each non-empty document.
pub(crate) fn parse_documents(bytes: &[u8], document: &'static str) -> Result<Vec<Value>, Error> {
    parse_docs(bytes, document)?
        .into_iter()
        .map(|d| d.into_value(document))
        .collect()
}

/// [`parse_documents`], leaving JSON as checked raw text to be read piece by piece.
pub(crate) fn parse_docs<'a>(
    bytes: &'a [u8],
    document: &'static str,
) -> Result<Vec<Doc<'a>>, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Document {
        document,
        message: format!(
            "not valid UTF-8 (first bad byte at offset {})",
            e.valid_up_to()
        ),
    })?;
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: &RawValue = serde_json::from_str(trimmed).map_err(|e| {
            // Reading into values words some faults better ("trailing comma" where raw
            // splitting says "key must be a string"): on failure, ask it.
            let e = serde_json::from_str::<Value>(trimmed).err().unwrap_or(e);
            // Offsets are relative to the trimmed text; count the lines trimmed away.
            let skipped = &text[..text.len() - trimmed.len()];
            let skipped_lines = skipped.matches('\n').count() as u64;
            Error::Syntax {
                document,
                format: "JSON",
                line: e.line() as u64 + skipped_lines,
                column: e.column() as u64,
                message: strip_position(&e.to_string()),
            }
        })?;
        return Ok(vec![Doc::Raw(value)]);
    }
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        Error::Syntax {
            document,
            format: "YAML",
            line,
            column,
            message: first_line(&e.to_string()),
        }
    })?;
    Ok(docs
        .into_iter()
        .filter(|d| !d.is_null())
        .map(Doc::Value)
        .collect())
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    // The parser's own text repeats the position ("error: line 4 column 7: ..."); the
    // error already carries it.
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let line = match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, rest)) if position.contains(" column ") => rest,
        _ => line,
    };
    strip_position(line)
}

/// Deserializes `value` into `T`, naming `object` and the failing field path on error.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: Value,
    object: &ObjectRef,
    base: &str,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = join_path(base, if path == "." { "" } else { &path });
        Error::InvalidField {
            object: object.clone(),
            field,
            message: e.into_inner().to_string(),
        }
    })
}

/// Joins a base field path and a relative one with a dot where needed.
pub(crate) fn join_path(base: &str, rest: &str) -> String {
    match (base.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (_, true) => base.to_owned(),
        _ if rest.starts_with('[') => format!("{base}{rest}"),
        _ => format!("{base}.{rest}"),
    }
}

/// A Kubernetes quantity as written: a string or a bare YAML/JSON number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawQuantity(pub String);

impl<'de> serde::Deserialize<'de> for RawQuantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(RawQuantity(s)),
            Value::Number(n) => Ok(RawQuantity(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a quantity (string or number), found {}",
                kind_of(&other)
            ))),
        }
    }
}

/// A label or annotation value: strings, and scalars YAML may have typed (`true`, `5`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RawString(pub String);

impl<'de> serde::Deserialize<'de> for RawString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(RawString(s)),
            Value::Number(n) => Ok(RawString(n.to_string())),
            Value::Bool(b) => Ok(RawString(b.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a string, found {}",
                kind_of(&other)
            ))),
        }
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
