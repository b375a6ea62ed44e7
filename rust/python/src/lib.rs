//! `promocore._engine`: the Python binding of promocore-engine. Thin on purpose: bytes in,
//! bytes out, one boundary crossing per request, the GIL released while the engine works.

use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use promocore_engine as engine;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

/// A campaign that does not compile; `path` names the offending field, e.g.
/// `rules.all[2].any[0].op`.
#[pyclass(extends = PyValueError, module = "promocore._engine", frozen)]
struct CompileError {
    #[pyo3(get)]
    path: String,
    #[pyo3(get)]
    reason: String,
}

#[pymethods]
impl CompileError {
    #[new]
    fn new(path: String, reason: String) -> Self {
        CompileError { path, reason }
    }

    fn __str__(&self) -> String {
        format!("{}: {}", self.path, self.reason)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "CompileError({}, {})",
            self.path.clone().into_pyobject(py)?.repr()?,
            self.reason.clone().into_pyobject(py)?.repr()?
        ))
    }

    /// Exceptions are pickled as `type(*args)`.
    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (String, String))> {
        Ok((
            py.get_type::<CompileError>().into_any().unbind(),
            (self.path.clone(), self.reason.clone()),
        ))
    }
}

/// Invalid caller input; `field` is the request field path, e.g. `order.items[2].quantity`.
#[pyclass(extends = PyValueError, module = "promocore._engine", frozen)]
struct InvalidRequestError {
    #[pyo3(get)]
    field: String,
    #[pyo3(get)]
    reason: String,
}

#[pymethods]
impl InvalidRequestError {
    #[new]
    fn new(field: String, reason: String) -> Self {
        InvalidRequestError { field, reason }
    }

    fn __str__(&self) -> String {
        format!("{}: {}", self.field, self.reason)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "InvalidRequestError({}, {})",
            self.field.clone().into_pyobject(py)?.repr()?,
            self.reason.clone().into_pyobject(py)?.repr()?
        ))
    }

    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (String, String))> {
        Ok((
            py.get_type::<InvalidRequestError>().into_any().unbind(),
            (self.field.clone(), self.reason.clone()),
        ))
    }
}

/// Turns a freshly created exception into a PyErr, with `args` set as a Python-constructed
/// exception's would be.
fn raise(exception: PyResult<Bound<'_, PyAny>>, args: (String, String)) -> PyErr {
    let exception = exception.and_then(|exception| {
        exception.setattr("args", args)?;
        Ok(exception)
    });
    match exception {
        Ok(exception) => PyErr::from_value(exception),
        Err(creation_failed) => creation_failed,
    }
}

fn compile_error(py: Python<'_>, error: engine::CompileError) -> PyErr {
    let args = (error.path.clone(), error.reason.clone());
    raise(
        Bound::new(py, CompileError::new(error.path, error.reason)).map(Bound::into_any),
        args,
    )
}

fn checkout_error(py: Python<'_>, error: engine::CheckoutError) -> PyErr {
    match error {
        engine::CheckoutError::Request(error) => {
            let args = (error.field.clone(), error.reason.clone());
            let exception = InvalidRequestError::new(error.field, error.reason);
            raise(Bound::new(py, exception).map(Bound::into_any), args)
        }
        engine::CheckoutError::Context(error) => PyValueError::new_err(error.to_string()),
    }
}

/// A compiled campaign version; immutable, cheap to share, safe across threads.
#[pyclass(name = "CompiledCampaign", module = "promocore._engine", frozen)]
struct PyCompiledCampaign {
    inner: Arc<engine::CompiledCampaign>,
}

#[pymethods]
impl PyCompiledCampaign {
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    #[getter]
    fn version(&self) -> i64 {
        self.inner.version()
    }

    #[getter]
    fn currency(&self) -> &str {
        self.inner.currency()
    }

    /// Stacking category ("default" when the campaign sets none).
    #[getter]
    fn category(&self) -> &str {
        self.inner.category()
    }

    /// The promocore.v1.CampaignType value.
    #[getter]
    fn campaign_type(&self) -> i32 {
        self.inner.campaign_type() as i32
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<CompiledCampaign id={} version={} currency={} type={}>",
            self.inner.id().into_pyobject(py)?.repr()?,
            self.inner.version(),
            self.inner.currency(),
            self.inner.campaign_type().as_str_name()
        ))
    }
}

/// Compiles the bytes of a serialized promocore.v1.Campaign.
#[pyfunction]
fn compile_campaign(py: Python<'_>, campaign_bytes: &[u8]) -> PyResult<PyCompiledCampaign> {
    py.allow_threads(|| engine::CompiledCampaign::from_bytes(campaign_bytes))
        .map(|campaign| PyCompiledCampaign {
            inner: Arc::new(campaign),
        })
        .map_err(|error| compile_error(py, error))
}

/// Evaluates a checkout and returns the bytes of a promocore.v1.ValidateResponse.
#[pyfunction]
fn evaluate_checkout<'py>(
    py: Python<'py>,
    request_bytes: &[u8],
    context_bytes: &[u8],
    campaigns: Vec<Bound<'py, PyCompiledCampaign>>,
) -> PyResult<Bound<'py, PyBytes>> {
    // `campaigns` keeps the Python objects alive while the GIL is released.
    let compiled: Vec<&engine::CompiledCampaign> = campaigns
        .iter()
        .map(|campaign| campaign.get().inner.as_ref())
        .collect();
    let response = py
        .allow_threads(|| engine::evaluate_checkout_bytes(request_bytes, context_bytes, &compiled))
        .map_err(|error| checkout_error(py, error))?;
    Ok(PyBytes::new(py, &response))
}

/// Many compiled campaigns indexed for Qualify; immutable, rebuilt when the catalog changes.
#[pyclass(name = "CampaignIndex", module = "promocore._engine", frozen)]
struct PyCampaignIndex {
    inner: engine::CampaignIndex,
}

#[pymethods]
impl PyCampaignIndex {
    #[new]
    fn new(py: Python<'_>, campaigns: Vec<Bound<'_, PyCompiledCampaign>>) -> Self {
        let compiled: Vec<Arc<engine::CompiledCampaign>> = campaigns
            .iter()
            .map(|campaign| Arc::clone(&campaign.get().inner))
            .collect();
        let inner = py.allow_threads(|| engine::CampaignIndex::build(compiled));
        PyCampaignIndex { inner }
    }

    /// Answers a serialized promocore.v1.QualifyRequest with the bytes of a
    /// promocore.v1.QualifyResponse; `context_bytes` is a promocore.v1.internal.QualifyContext.
    fn qualify<'py>(
        &self,
        py: Python<'py>,
        request_bytes: &[u8],
        context_bytes: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let response = py
            .allow_threads(|| self.inner.qualify_bytes(request_bytes, context_bytes))
            .map_err(|error| checkout_error(py, error))?;
        Ok(PyBytes::new(py, &response))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("<CampaignIndex of {} campaigns>", self.inner.len())
    }
}

/// A compiled dynamic segment rule (engine::SegmentRule); immutable, shareable between threads.
#[pyclass(name = "SegmentRule", module = "promocore._engine", frozen)]
struct PySegmentRule {
    inner: engine::SegmentRule,
}

#[pymethods]
impl PySegmentRule {
    /// Whether the customer is a member; `profile_bytes` is a promocore.v1.internal.CustomerProfile.
    fn matches(
        &self,
        py: Python<'_>,
        customer_id: &str,
        profile_bytes: &[u8],
        now_ms: i64,
    ) -> PyResult<bool> {
        py.allow_threads(|| self.inner.matches_bytes(customer_id, profile_bytes, now_ms))
            .map_err(|error| PyValueError::new_err(error.to_string()))
    }
}

/// Compiles a segment's rule JSON; raises CompileError (path under `rules`).
#[pyfunction]
fn compile_segment_rule(py: Python<'_>, rules_json: &str) -> PyResult<PySegmentRule> {
    py.allow_threads(|| engine::SegmentRule::compile(rules_json))
        .map(|inner| PySegmentRule { inner })
        .map_err(|error| compile_error(py, error))
}

/// Validates the bytes of a serialized promocore.v1.StackingRules; raises CompileError with the
/// offending field (e.g. `categories[1].max_applied`).
#[pyfunction]
fn validate_stacking_rules(py: Python<'_>, rules_bytes: &[u8]) -> PyResult<()> {
    use prost::Message;
    let rules = engine::pb::v1::StackingRules::decode(rules_bytes).map_err(|error| {
        compile_error(
            py,
            engine::CompileError::new(
                "rules",
                format!("not a serialized promocore.v1.StackingRules: {error}"),
            ),
        )
    })?;
    engine::stacking::StackingPolicy::compile(Some(&rules))
        .map(drop)
        .map_err(|error| compile_error(py, error))
}

fn code_shape(
    py: Python<'_>,
    pattern: &str,
    charset: &str,
    prefix: &str,
    postfix: &str,
) -> PyResult<engine::codegen::CodeShape> {
    engine::codegen::CodeShape::new(pattern, charset, prefix, postfix)
        .map_err(|error| compile_error(py, error))
}

fn random_codes(
    py: Python<'_>,
    shape: &engine::codegen::CodeShape,
    count: usize,
) -> PyResult<engine::codegen::GeneratedCodes> {
    py.allow_threads(|| shape.generate(count))
        .map_err(|error| PyOSError::new_err(format!("the OS random generator failed: {error}")))
}

/// Draws up to `count` random codes of the shape (fewer when some repeat in the batch), sorted
/// by store key. Raises CompileError naming the CodeConfig field of a bad shape.
#[pyfunction]
fn generate_codes(
    py: Python<'_>,
    pattern: &str,
    charset: &str,
    prefix: &str,
    postfix: &str,
    count: usize,
) -> PyResult<Vec<String>> {
    let shape = code_shape(py, pattern, charset, prefix, postfix)?;
    let batch = random_codes(py, &shape, count)?;
    // Shapes are printable ASCII, so every code is valid UTF-8.
    Ok(batch
        .iter()
        .map(|(_, code)| String::from_utf8_lossy(code).into_owned())
        .collect())
}

/// Bulk generation in store form: up to `count` random codes as three lists in key order: the
/// keys, the Code records and the campaign index keys (`index_prefix + key`). A record is the
/// code field (promocore.v1.Code field 1) followed by `record_tail`, the serialized fields shared
/// by the whole batch. Lists of bytes rather than pairs: no container per code for the garbage
/// collector to walk (`zip` them for `putmulti`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn generate_code_records<'py>(
    py: Python<'py>,
    pattern: &str,
    charset: &str,
    prefix: &str,
    postfix: &str,
    count: usize,
    record_tail: &[u8],
    index_prefix: &[u8],
) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>, Bound<'py, PyList>)> {
    let shape = code_shape(py, pattern, charset, prefix, postfix)?;
    let batch = random_codes(py, &shape, count)?;
    let width = shape.width();
    let mut code_field = vec![0x0a];
    prost::encoding::encode_varint(width as u64, &mut code_field);
    let mut record = Vec::with_capacity(code_field.len() + width + record_tail.len());
    let mut index_key = Vec::with_capacity(index_prefix.len() + width);
    let keys = PyList::empty(py);
    let records = PyList::empty(py);
    let index = PyList::empty(py);
    for (key, code) in batch.iter() {
        record.clear();
        record.extend_from_slice(&code_field);
        record.extend_from_slice(code);
        record.extend_from_slice(record_tail);
        index_key.clear();
        index_key.extend_from_slice(index_prefix);
        index_key.extend_from_slice(key);
        keys.append(PyBytes::new(py, key))?;
        records.append(PyBytes::new(py, &record))?;
        index.append(PyBytes::new(py, &index_key))?;
    }
    Ok((keys, records, index))
}

/// Formats minor units with the currency's exponent, e.g. `format_money(1250, "EUR")` is
/// "12.50 EUR" and `format_money(1250, "JPY")` is "1250 JPY".
#[pyfunction]
fn format_money(amount: i64, currency: &str) -> String {
    engine::money::format_amount(amount, currency)
}

#[pymodule]
fn _engine(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The request limits, so Python refuses an oversized request before looking anything up.
    module.add("MAX_REDEEMABLES", engine::request::MAX_REDEEMABLES)?;
    module.add("MAX_ITEMS", engine::request::MAX_ITEMS)?;
    module.add("MAX_CODE_CHARS", engine::request::MAX_CODE_CHARS)?;
    module.add_class::<PyCompiledCampaign>()?;
    module.add_class::<PyCampaignIndex>()?;
    module.add_class::<PySegmentRule>()?;
    module.add("CompileError", py.get_type::<CompileError>())?;
    module.add("InvalidRequestError", py.get_type::<InvalidRequestError>())?;
    module.add_function(wrap_pyfunction!(compile_campaign, module)?)?;
    module.add_function(wrap_pyfunction!(evaluate_checkout, module)?)?;
    module.add_function(wrap_pyfunction!(format_money, module)?)?;
    module.add_function(wrap_pyfunction!(generate_codes, module)?)?;
    module.add_function(wrap_pyfunction!(generate_code_records, module)?)?;
    module.add_function(wrap_pyfunction!(compile_segment_rule, module)?)?;
    module.add_function(wrap_pyfunction!(validate_stacking_rules, module)?)?;
    Ok(())
}
