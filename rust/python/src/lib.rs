//! `promocore._engine`: the Python binding of promocore-engine. Thin on purpose: bytes in,
//! bytes out, one boundary crossing per request, the GIL released while the engine works.

use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod backtest;
mod json_codec;
mod json_timestamp;
mod result_tally;

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

/// An InvalidRequestError naming `field`.
fn invalid_request(py: Python<'_>, field: &str, reason: String) -> PyErr {
    let args = (field.to_owned(), reason.clone());
    let exception = InvalidRequestError::new(field.to_owned(), reason);
    raise(Bound::new(py, exception).map(Bound::into_any), args)
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

    /// What the campaign gives, in words ("10% off (at most 20.00 EUR)"); None when it gives
    /// no discount (gift vouchers, loyalty programs).
    #[getter]
    fn reward(&self) -> Option<&str> {
        self.inner.reward()
    }

    /// The items amount the rule needs at least, in minor units (0 = none it requires).
    #[getter]
    fn minimum_spend(&self) -> i64 {
        self.inner.requirements().min_amount
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

/// Evaluates a checkout and returns the bytes of a promocore.v1.ValidateResponse, every input
/// in one EvaluationContext (the differential and fixture tests; the server uses the plan).
#[cfg(feature = "test-entry-points")]
#[pyfunction]
fn evaluate_checkout<'py>(
    py: Python<'py>,
    request_bytes: &[u8],
    context_bytes: &[u8],
    campaigns: Vec<Bound<'py, PyCompiledCampaign>>,
) -> PyResult<Bound<'py, PyBytes>> {
    // `campaigns` keeps the Python objects alive while the GIL is released.
    let compiled = compiled_refs(&campaigns);
    let response = py
        .allow_threads(|| engine::evaluate_checkout_bytes(request_bytes, context_bytes, &compiled))
        .map_err(|error| checkout_error(py, error))?;
    Ok(PyBytes::new(py, &response))
}

/// Counter keys with signed changes, as Python sees them: [(key, delta)].
type CounterChanges = Vec<(Vec<u8>, i64)>;

#[cfg(feature = "test-entry-points")]
fn compiled_refs<'a, 'py>(
    campaigns: &'a [Bound<'py, PyCompiledCampaign>],
) -> Vec<&'a engine::CompiledCampaign> {
    campaigns
        .iter()
        .map(|campaign| campaign.get().inner.as_ref())
        .collect()
}

/// A Redeem's writes, computed by the engine (engine::RedemptionWrites): bytes the store puts
/// as they are, and the counter changes to apply.
#[pyclass(name = "RedemptionWrites", module = "promocore._engine", frozen)]
struct PyRedemptionWrites {
    inner: engine::RedemptionWrites,
    /// `inner`'s changes summed per counter, in key order (computed once).
    changes: Vec<(Vec<u8>, i64)>,
}

impl PyRedemptionWrites {
    fn new(inner: engine::RedemptionWrites) -> Self {
        PyRedemptionWrites {
            changes: inner.merged_deltas(),
            inner,
        }
    }
}

#[pymethods]
impl PyRedemptionWrites {
    /// False when nothing applied: only `response` is set, nothing is to be written.
    #[getter]
    fn succeeded(&self) -> bool {
        self.inner.succeeded
    }

    #[getter]
    fn response<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.response)
    }

    #[getter]
    fn redemption<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.redemption)
    }

    #[getter]
    fn stored<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.stored)
    }

    #[getter]
    fn idempotency_record<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.idempotency_record)
    }

    /// The redemption's customer id ("" when anonymous).
    #[getter]
    fn customer_id(&self) -> &str {
        &self.inner.customer_id
    }

    /// The redemption's time (its `created_at`), Unix milliseconds.
    #[getter]
    fn created_at_unix_ms(&self) -> i64 {
        self.inner.created_at_unix_ms
    }

    /// The changes summed per counter key, in key order: [(key, delta)].
    fn counter_changes(&self) -> Vec<(Vec<u8>, i64)> {
        self.changes.clone()
    }

    /// The changed counters' keys, in key order (what to read before `counter_writes`).
    fn counter_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            self.changes.iter().map(|(key, _)| PyBytes::new(py, key)),
        )
    }

    /// The new values of the changed counters as the table stores them (8 bytes, little-endian
    /// signed), given the current ones `[(key, value)]` (absent keys count as 0): what
    /// `putmulti` writes.
    fn counter_writes<'py>(
        &self,
        py: Python<'py>,
        current: Vec<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>,
    ) -> PyResult<Bound<'py, PyList>> {
        // Borrowed from the bytes objects (extracting Vec<u8> would copy them byte by byte).
        let current: std::collections::HashMap<&[u8], &[u8]> = current
            .iter()
            .map(|(key, value)| (key.as_bytes(), value.as_bytes()))
            .collect();
        let writes = PyList::empty(py);
        for (key, delta) in &self.changes {
            let value = match current.get(key.as_slice()) {
                None => 0,
                Some(raw) => i64::from_le_bytes((*raw).try_into().map_err(|_| {
                    PyValueError::new_err(format!(
                        "counter {} holds {} bytes, not 8",
                        String::from_utf8_lossy(key),
                        raw.len()
                    ))
                })?),
            };
            let new_value = value
                .checked_add(*delta)
                .ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "counter {} would overflow",
                        String::from_utf8_lossy(key)
                    ))
                })?
                .to_le_bytes();
            writes.append((PyBytes::new(py, key), PyBytes::new(py, &new_value)))?;
        }
        Ok(writes)
    }

    /// Gift card and loyalty card debits: [(balance key, signed change)].
    #[getter]
    fn balance_debits(&self) -> Vec<(Vec<u8>, i64)> {
        self.inner.balance_debits().cloned().collect()
    }

    /// Applied codes that are referral codes, as their records spell them.
    #[getter]
    fn referral_codes(&self) -> Vec<String> {
        self.inner.referral_codes.clone()
    }
}

/// The catalog prepared for checkouts (engine::CheckoutPlan); immutable, rebuilt when the
/// catalog generation moves.
#[pyclass(name = "CheckoutPlan", module = "promocore._engine", frozen)]
struct PyCheckoutPlan {
    inner: Arc<engine::CheckoutPlan>,
}

#[pymethods]
impl PyCheckoutPlan {
    /// `campaigns`: every compiled campaign, drafts included, in the order auto promotions join;
    /// `stacking_rules`: serialized promocore.v1.StackingRules; `public_codes`: the stored
    /// promocore.v1.Code of each coupon campaign's public code (Qualify offers it).
    #[new]
    #[pyo3(signature = (campaigns, stacking_rules=None, public_codes=Vec::new()))]
    fn new(
        campaigns: Vec<Bound<'_, PyCompiledCampaign>>,
        stacking_rules: Option<&[u8]>,
        public_codes: Vec<Vec<u8>>,
    ) -> PyResult<Self> {
        use prost::Message;
        let stacking_rules = stacking_rules
            .map(engine::pb::v1::StackingRules::decode)
            .transpose()
            .map_err(|error| PyValueError::new_err(format!("not StackingRules: {error}")))?;
        let public_codes = public_codes
            .iter()
            .map(|record| engine::pb::v1::Code::decode(record.as_slice()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| {
                PyValueError::new_err(format!("a public code is not a Code: {error}"))
            })?;
        let campaigns = campaigns
            .iter()
            .map(|campaign| Arc::clone(&campaign.get().inner))
            .collect();
        Ok(PyCheckoutPlan {
            inner: Arc::new(engine::CheckoutPlan::new(
                campaigns,
                stacking_rules,
                public_codes,
            )),
        })
    }

    /// Decodes a ValidateRequest's or RedeemRequest's bytes and builds its context from the
    /// store's records: `code_records[i]` is the stored promocore.v1.Code of redeemable i when
    /// it is a code the store has, else None; `profile` the customer's serialized
    /// promocore.v1.internal.CustomerProfile, if any.
    #[pyo3(signature = (request_bytes, now_ms, code_records, profile=None))]
    fn prepare(
        &self,
        py: Python<'_>,
        request_bytes: &[u8],
        now_ms: i64,
        code_records: Vec<Option<Bound<'_, PyBytes>>>,
        profile: Option<&[u8]>,
    ) -> PyResult<PyPreparedCheckout> {
        let records: Vec<Option<&[u8]>> = code_records
            .iter()
            .map(|record| record.as_ref().map(|bytes| bytes.as_bytes()))
            .collect();
        self.inner
            .prepare(request_bytes, now_ms, &records, profile)
            .map(|inner| PyPreparedCheckout { inner })
            .map_err(|error| checkout_error(py, error))
    }

    /// Decodes a QualifyRequest's bytes and takes the store's records for it: `profile` the
    /// customer's serialized promocore.v1.internal.CustomerProfile, if any; `assigned_codes`
    /// the stored promocore.v1.Code records assigned to the customer.
    #[pyo3(signature = (request_bytes, now_ms, profile=None, assigned_codes=Vec::new()))]
    fn prepare_qualify(
        &self,
        py: Python<'_>,
        request_bytes: &[u8],
        now_ms: i64,
        profile: Option<&[u8]>,
        assigned_codes: Vec<Bound<'_, PyBytes>>,
    ) -> PyResult<PyPreparedQualify> {
        let records: Vec<&[u8]> = assigned_codes
            .iter()
            .map(|bytes| bytes.as_bytes())
            .collect();
        self.inner
            .prepare_qualify(request_bytes, now_ms, profile, &records)
            .map(|inner| PyPreparedQualify { inner })
            .map_err(|error| checkout_error(py, error))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// A Qualify request resolved against the plan (engine::PreparedQualify), waiting for the
/// counters the store reads (`counter_keys`, each as committed value plus other sessions'
/// holds).
#[pyclass(name = "PreparedQualify", module = "promocore._engine", frozen)]
struct PyPreparedQualify {
    inner: engine::PreparedQualify,
}

#[pymethods]
impl PyPreparedQualify {
    #[getter]
    fn counter_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        bytes_list(py, self.inner.counter_keys())
    }

    /// The QualifyResponse bytes, given the value of each counter key.
    #[pyo3(signature = (values=Vec::new()))]
    fn qualify<'py>(&self, py: Python<'py>, values: Vec<i64>) -> PyResult<Bound<'py, PyBytes>> {
        use prost::Message;
        let response = py
            .allow_threads(|| self.inner.qualify(&values))
            .map_err(|error| checkout_error(py, error))?;
        Ok(PyBytes::new(py, &response.encode_to_vec()))
    }
}

/// A checkout resolved against the plan (engine::PreparedCheckout), waiting for the counters
/// the store reads: `counter_keys` (each read as committed value plus other sessions' holds)
/// and `points_keys` (spendable points plus holds).
///
/// Its evaluations keep the GIL: they take tens of microseconds, and a server worker is pinned
/// to one CPU, so releasing the GIL would run nothing in parallel; it would only hand the GIL
/// to another thread and back (two wake-ups), measured at ~30 µs of CPU a Validate.
#[pyclass(name = "PreparedCheckout", module = "promocore._engine", frozen)]
struct PyPreparedCheckout {
    inner: engine::PreparedCheckout,
}

/// The counter keys a prepared Qualify or checkout reads, as a list of bytes.
fn bytes_list<'py>(py: Python<'py>, keys: &[Vec<u8>]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, keys.iter().map(|key| PyBytes::new(py, key)))
}

fn counter_values<'a>(
    values: &'a [i64],
    held: &'a [bool],
    points: &'a [i64],
) -> engine::CounterValues<'a> {
    engine::CounterValues {
        values,
        held,
        points,
    }
}

#[pymethods]
impl PyPreparedCheckout {
    #[getter]
    fn counter_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        bytes_list(py, self.inner.counter_keys())
    }

    #[getter]
    fn points_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            self.inner
                .points_keys()
                .iter()
                .map(|key| PyBytes::new(py, key)),
        )
    }

    /// The ValidateResponse bytes.
    #[pyo3(signature = (values=Vec::new(), held=Vec::new(), points=Vec::new()))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        values: Vec<i64>,
        held: Vec<bool>,
        points: Vec<i64>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        use prost::Message;
        let response = self
            .inner
            .evaluate(counter_values(&values, &held, &points))
            .map_err(|error| checkout_error(py, error))?;
        result_tally::count(result_tally::Kind::Validate, &response.redeemables);
        Ok(PyBytes::new(py, &response.encode_to_vec()))
    }

    /// The ValidateResponse bytes and the counter changes of the applied redeemables.
    #[pyo3(signature = (values=Vec::new(), held=Vec::new(), points=Vec::new()))]
    fn evaluate_with_deltas<'py>(
        &self,
        py: Python<'py>,
        values: Vec<i64>,
        held: Vec<bool>,
        points: Vec<i64>,
    ) -> PyResult<(Bound<'py, PyBytes>, CounterChanges)> {
        use prost::Message;
        let (response, deltas) = self
            .inner
            .evaluate_with_deltas(counter_values(&values, &held, &points))
            .map_err(|error| checkout_error(py, error))?;
        result_tally::count(result_tally::Kind::Validate, &response.redeemables);
        Ok((PyBytes::new(py, &response.encode_to_vec()), deltas))
    }

    /// Evaluates a Redeem and computes its writes.
    #[allow(clippy::too_many_arguments)]
    fn redeem(
        &self,
        py: Python<'_>,
        values: Vec<i64>,
        held: Vec<bool>,
        points: Vec<i64>,
        redemption_id: &str,
        idempotency_key: &str,
        request_sha256: &[u8],
    ) -> PyResult<PyRedemptionWrites> {
        let identity = engine::RedemptionIdentity {
            id: redemption_id,
            idempotency_key,
            request_sha256,
        };
        let writes = self
            .inner
            .redeem(counter_values(&values, &held, &points), identity)
            .map_err(|error| checkout_error(py, error))?;
        result_tally::count(result_tally::Kind::Redeem, &writes.results);
        Ok(PyRedemptionWrites::new(writes))
    }
}

/// Many compiled campaigns indexed for Qualify, every input of a request in one QualifyContext
/// (the differential tests; the server goes through the plan's `prepare_qualify`).
#[cfg(feature = "test-entry-points")]
#[pyclass(name = "CampaignIndex", module = "promocore._engine", frozen)]
struct PyCampaignIndex {
    inner: engine::CampaignIndex,
}

#[cfg(feature = "test-entry-points")]
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

/// A campaign's rule JSON in words, amounts in `currency`; raises CompileError (path under
/// `rules`) when it does not compile.
#[pyfunction]
fn describe_rules(py: Python<'_>, rules_json: &str, currency: &str) -> PyResult<String> {
    py.allow_threads(|| engine::rules::describe_rules(rules_json, currency))
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

/// The redeemable results checkouts answered since the last call, reset to zero:
/// [(kind "validate"|"redeem", status name, reason ("" when applicable), count)].
#[pyfunction]
fn take_result_tally() -> Vec<(&'static str, &'static str, &'static str, u64)> {
    result_tally::take()
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
    module.add_class::<PySegmentRule>()?;
    module.add_class::<PyRedemptionWrites>()?;
    module.add_class::<PyCheckoutPlan>()?;
    module.add_class::<json_codec::JsonCodec>()?;
    module.add_class::<PyPreparedCheckout>()?;
    module.add_class::<PyPreparedQualify>()?;
    module.add_class::<backtest::PyBacktest>()?;
    module.add("CompileError", py.get_type::<CompileError>())?;
    module.add("InvalidRequestError", py.get_type::<InvalidRequestError>())?;
    module.add_function(wrap_pyfunction!(compile_campaign, module)?)?;
    module.add_function(wrap_pyfunction!(format_money, module)?)?;
    module.add_function(wrap_pyfunction!(take_result_tally, module)?)?;
    module.add_function(wrap_pyfunction!(generate_codes, module)?)?;
    module.add_function(wrap_pyfunction!(generate_code_records, module)?)?;
    module.add_function(wrap_pyfunction!(compile_segment_rule, module)?)?;
    module.add_function(wrap_pyfunction!(validate_stacking_rules, module)?)?;
    module.add_function(wrap_pyfunction!(describe_rules, module)?)?;
    #[cfg(feature = "test-entry-points")]
    {
        module.add_class::<PyCampaignIndex>()?;
        module.add_function(wrap_pyfunction!(evaluate_checkout, module)?)?;
    }
    Ok(())
}
