//! The one error type: invalid input, named by object and field.

use std::fmt;

use crate::quantity::QuantityError;

/// The object an error is about, written `Kind/namespace/name` (or `Kind/name` when it has no
/// namespace), as a person would look it up with `kubectl`.
///
/// # Examples
/// ```
/// use karpenter_solver::ObjectRef;
/// assert_eq!(ObjectRef::new("Pod", Some("default"), "web-1").to_string(), "Pod/default/web-1");
/// assert_eq!(ObjectRef::new("Node", None, "ip-10-0-1-7").to_string(), "Node/ip-10-0-1-7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// Kubernetes kind (`Pod`, `NodePool`, ...), or `InstanceType` for catalog entries.
    pub kind: String,
    /// Namespace, for namespaced objects.
    pub namespace: Option<String>,
    /// Name, or a position such as `items[3]` when the object has no readable name.
    pub name: String,
}

impl ObjectRef {
    /// Names an object.
    pub fn new(kind: impl Into<String>, namespace: Option<&str>, name: impl Into<String>) -> Self {
        ObjectRef {
            kind: kind.into(),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_owned),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// Invalid input. Infeasibility (a pod that fits nowhere) is never an error: it is reported in
/// the plan.
///
/// Every message names the document, object and field at fault and what is wrong, in the form
/// `Kind/namespace/name, field.path: what is wrong`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document is not valid YAML or JSON.
    #[error("{document}: invalid {format} at line {line}, column {column}: {message}")]
    Syntax {
        /// `snapshot` or `catalog`.
        document: &'static str,
        /// `YAML` or `JSON`.
        format: &'static str,
        /// 1-based line of the fault.
        line: u64,
        /// 1-based column of the fault.
        column: u64,
        /// What the parser expected.
        message: String,
    },
    /// The document parsed but does not have the expected shape (for example a snapshot that is
    /// not a list of objects).
    #[error("{document}: {message}")]
    Document {
        /// `snapshot` or `catalog`.
        document: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A field has the wrong type or an invalid value.
    #[error("{object}, {field}: {message}")]
    InvalidField {
        /// The object at fault.
        object: ObjectRef,
        /// The field path, such as `spec.containers[0].resources.requests`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A quantity does not parse.
    #[error("{object}, {field}: invalid quantity {value:?}: {reason}")]
    InvalidQuantity {
        /// The object at fault.
        object: ObjectRef,
        /// The field path.
        field: String,
        /// The text as written.
        value: String,
        /// Why it is not a quantity.
        reason: QuantityError,
    },
    /// A quantity that must not be negative is.
    #[error("{object}, {field}: negative quantity {value:?}; it must be zero or more")]
    NegativeQuantity {
        /// The object at fault.
        object: ObjectRef,
        /// The field path.
        field: String,
        /// The text as written.
        value: String,
    },
    /// A requirement or selector uses an operator that does not exist.
    #[error("{object}, {field}: unknown operator {operator:?} (expected one of {expected})")]
    UnknownOperator {
        /// The object at fault.
        object: ObjectRef,
        /// The field path.
        field: String,
        /// The operator as written.
        operator: String,
        /// The operators allowed there.
        expected: &'static str,
    },
    /// An option passed by the caller is invalid.
    #[error("invalid option {option}: {message}")]
    InvalidOption {
        /// The option's name, such as `now`.
        option: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// The object the error names, when it names one.
    pub fn object(&self) -> Option<&ObjectRef> {
        match self {
            Error::InvalidField { object, .. }
            | Error::InvalidQuantity { object, .. }
            | Error::NegativeQuantity { object, .. }
            | Error::UnknownOperator { object, .. } => Some(object),
            _ => None,
        }
    }

    /// The field path the error names, when it names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidField { field, .. }
            | Error::InvalidQuantity { field, .. }
            | Error::NegativeQuantity { field, .. }
            | Error::UnknownOperator { field, .. } => Some(field),
            _ => None,
        }
    }
}
