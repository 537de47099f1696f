//! The native half of the `karpenter_solver` Python package, `karpenter_solver._karpenter_solver`.
//!
//! It only translates: bytes in, the library's parsed `Snapshot` and `Catalog` held behind
//! `Arc`s, the library's JSON out, and the library's errors as exception classes with the
//! object and field at fault. Every call into the library runs with the interpreter released
//! and behind one panic boundary, `guarded`, so a bug in the solver raises `SolverPanic`
//! instead of tearing down the interpreter. The pure-Python layer (`python/karpenter_solver`)
//! turns paths, dicts and Kubernetes client objects into bytes and the JSON into result objects.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

use karpenter_solver as ks;
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;

create_exception!(
    karpenter_solver,
    SnapshotError,
    PyValueError,
    "The snapshot is invalid. `kind`, `namespace`, `name` and `field` name the object and \
     field at fault, or are None when the whole document is at fault."
);
create_exception!(
    karpenter_solver,
    CatalogError,
    PyValueError,
    "The instance-type catalog is invalid. `kind` is \"InstanceType\" and `name` the type's \
     name, `field` the field at fault; all None when the whole document is at fault."
);
create_exception!(
    karpenter_solver,
    SolverPanic,
    PyRuntimeError,
    "The solver hit a bug (a Rust panic). The message says where; please report it with the input."
);

/// The attributes every input error carries, None unless the error names them.
const ERROR_ATTRIBUTES: [&str; 4] = ["kind", "namespace", "name", "field"];

/// Runs `f` with the interpreter released, turning the library's errors into Python
/// exceptions and a panic into `SolverPanic`, so no unwinding crosses into Python.
fn guarded<T: Send>(
    py: Python<'_>,
    what: &str,
    f: impl FnOnce() -> Result<T, ks::Error> + Send,
) -> PyResult<T> {
    // The closures only read the library's plain data, so a panic leaves nothing half-updated
    // that a later call could observe.
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(input_error(py, &error)),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            Err(SolverPanic::new_err(format!(
                "karpenter-solver panicked in {what}: {message}; this is a bug, please report it with the input"
            )))
        }
    }
}

/// The exception for an error of the library: `SnapshotError` or `CatalogError` by the
/// document at fault, with the object and field as attributes; `ValueError` for an option.
fn input_error(py: Python<'_>, error: &ks::Error) -> PyErr {
    let message = error.to_string();
    let object = error.object();
    let err = match error {
        ks::Error::InvalidOption { .. } => return PyValueError::new_err(message),
        ks::Error::Syntax { document, .. } | ks::Error::Document { document, .. } => {
            if *document == "catalog" {
                CatalogError::new_err(message)
            } else {
                SnapshotError::new_err(message)
            }
        }
        _ if object.is_some_and(|o| o.kind == "InstanceType") => CatalogError::new_err(message),
        _ => SnapshotError::new_err(message),
    };
    let values = [
        object.map(|o| o.kind.as_str()),
        object.and_then(|o| o.namespace.as_deref()),
        object.map(|o| o.name.as_str()),
        error.field(),
    ];
    let value = err.value(py);
    for (attribute, v) in ERROR_ATTRIBUTES.into_iter().zip(values) {
        if let Err(e) = value.setattr(attribute, v) {
            return e;
        }
    }
    err
}

/// A parsed cluster snapshot, reusable across solves.
#[pyclass(frozen, module = "karpenter_solver", name = "Snapshot")]
struct Snapshot {
    inner: Arc<ks::Snapshot>,
}

#[pymethods]
impl Snapshot {
    /// Parses a snapshot: a `kind: List`, a multi-document YAML stream, or JSON.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: PyBackedBytes) -> PyResult<Self> {
        let snapshot = guarded(py, "reading the snapshot", || {
            ks::Snapshot::from_slice(&data)
        })?;
        Ok(Snapshot {
            inner: Arc::new(snapshot),
        })
    }

    /// What parsing passed over, one line per ignored kind.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }

    fn __repr__(&self) -> String {
        let s = &self.inner;
        format!(
            "Snapshot(pods={}, nodes={}, node_pools={}, node_claims={}, pdbs={}, daemon_sets={})",
            s.pods.len(),
            s.nodes.len(),
            s.node_pools.len(),
            s.node_claims.len(),
            s.pdbs.len(),
            s.daemon_sets.len()
        )
    }
}

/// A parsed instance-type catalog, reusable across solves.
#[pyclass(frozen, module = "karpenter_solver", name = "Catalog")]
struct Catalog {
    inner: Arc<ks::Catalog>,
}

#[pymethods]
impl Catalog {
    /// Parses a catalog: a YAML or JSON list of instance types.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: PyBackedBytes) -> PyResult<Self> {
        let catalog = guarded(py, "reading the catalog", || ks::Catalog::from_slice(&data))?;
        Ok(Catalog {
            inner: Arc::new(catalog),
        })
    }

    /// The embedded EC2 catalog, parsed once per process.
    #[staticmethod]
    fn aws_default(py: Python<'_>) -> PyResult<Self> {
        Ok(Catalog {
            inner: default_catalog(py)?,
        })
    }

    /// The instance types' names, in catalog order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner
            .instance_types
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// What pods can use on `name` (capacity minus overhead) as Kubernetes quantities, or None
    /// when the catalog has no such type.
    fn allocatable(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.inner
            .get(name)
            .map(|t| t.allocatable().to_quantities())
    }

    /// The catalog in the contract's format, as JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    fn __len__(&self) -> usize {
        self.inner.instance_types.len()
    }

    fn __contains__(&self, name: &str) -> bool {
        self.inner.get(name).is_some()
    }

    fn __repr__(&self) -> String {
        format!(
            "Catalog({} instance types)",
            self.inner.instance_types.len()
        )
    }
}

fn default_catalog(py: Python<'_>) -> PyResult<Arc<ks::Catalog>> {
    static DEFAULT: OnceLock<Arc<ks::Catalog>> = OnceLock::new();
    // Initialised with the interpreter released, so a thread waiting here never holds it
    // while the initialising thread needs it.
    guarded(py, "reading the default catalog", || {
        Ok(DEFAULT
            .get_or_init(|| Arc::new(ks::Catalog::aws_default()))
            .clone())
    })
}

/// Solves `verb` (provision or consolidate) on a parsed snapshot and catalog (the default one
/// when None) at `now`.
fn solve<T: Send>(
    py: Python<'_>,
    what: &str,
    snapshot: &Snapshot,
    catalog: Option<&Catalog>,
    now: Option<&str>,
    verb: fn(&ks::Snapshot, &ks::Catalog, &ks::Options) -> Result<T, ks::Error>,
) -> PyResult<T> {
    let catalog = match catalog {
        Some(c) => Arc::clone(&c.inner),
        None => default_catalog(py)?,
    };
    let snapshot = Arc::clone(&snapshot.inner);
    guarded(py, what, move || {
        let options = match now {
            Some(now) => ks::Options::default().with_now_rfc3339(now)?,
            None => ks::Options::default(),
        };
        verb(&snapshot, &catalog, &options)
    })
}

/// Provisions: returns the plan as the contract's JSON (byte for byte the CLI's output) and
/// its warnings.
#[pyfunction]
#[pyo3(signature = (snapshot, catalog=None, *, now=None))]
fn provision(
    py: Python<'_>,
    snapshot: PyRef<'_, Snapshot>,
    catalog: Option<PyRef<'_, Catalog>>,
    now: Option<&str>,
) -> PyResult<(String, Vec<String>)> {
    let plan = solve(
        py,
        "provision",
        &snapshot,
        catalog.as_deref(),
        now,
        ks::provision,
    )?;
    Ok((plan.to_json(), plan.warnings))
}

/// Consolidates: returns the plan as the contract's JSON (byte for byte the CLI's output) and
/// its warnings.
#[pyfunction]
#[pyo3(signature = (snapshot, catalog=None, *, now=None))]
fn consolidate(
    py: Python<'_>,
    snapshot: PyRef<'_, Snapshot>,
    catalog: Option<PyRef<'_, Catalog>>,
    now: Option<&str>,
) -> PyResult<(String, Vec<String>)> {
    let plan = solve(
        py,
        "consolidate",
        &snapshot,
        catalog.as_deref(),
        now,
        ks::consolidate,
    )?;
    Ok((plan.to_json(), plan.warnings))
}

/// The amount of a Kubernetes quantity in the solver's units: millicores for `cpu`, base units
/// (bytes, pods, devices) for anything else.
#[pyfunction]
fn parse_quantity(resource: &str, text: &str) -> PyResult<i64> {
    ks::parse_quantity(resource, text)
        .map_err(|e| PyValueError::new_err(format!("invalid quantity {text:?}: {e}")))
}

/// Panics inside the panic boundary; exists so the test suite can check that a panic raises
/// `SolverPanic` rather than reaching the interpreter.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    guarded(py, "_panic_for_tests", || -> Result<(), ks::Error> {
        panic!("deliberate panic")
    })
}

#[pymodule]
fn _karpenter_solver(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for (name, class) in [
        ("SnapshotError", py.get_type::<SnapshotError>()),
        ("CatalogError", py.get_type::<CatalogError>()),
    ] {
        // Class-level defaults, so the attributes exist on every instance and on the class.
        for attribute in ERROR_ATTRIBUTES {
            class.setattr(attribute, py.None())?;
        }
        m.add(name, class)?;
    }
    m.add("SolverPanic", py.get_type::<SolverPanic>())?;
    m.add_class::<Snapshot>()?;
    m.add_class::<Catalog>()?;
    m.add_function(wrap_pyfunction!(provision, m)?)?;
    m.add_function(wrap_pyfunction!(consolidate, m)?)?;
    m.add_function(wrap_pyfunction!(parse_quantity, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    Ok(())
}
