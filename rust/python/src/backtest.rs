//! `_engine.Backtest`: a campaign replayed on a file of past orders (engine::backtest). Python
//! hands the file's bytes in chunks and the customers' stored profiles; every order is parsed
//! and evaluated here, none becomes a Python object.

use std::sync::Arc;

use promocore_engine as engine;
use prost::Message;
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use engine::backtest::{Backtest, BacktestError, BacktestSetup, OrdersFormat};

#[pyclass(name = "Backtest", module = "promocore._engine")]
pub struct PyBacktest {
    inner: Backtest,
}

fn backtest_error(py: Python<'_>, error: BacktestError) -> PyErr {
    match error {
        // The request's field is the file; the reason names its line and field.
        BacktestError::File(error) => crate::invalid_request(py, "orders", error.to_string()),
        BacktestError::TooManyListed(reason) => crate::invalid_request(py, "per_order", reason),
        BacktestError::Setup(reason) => PyValueError::new_err(reason),
    }
}

#[pymethods]
impl PyBacktest {
    /// `plan`: the catalog with the campaign `campaign_id` (joining as a promotion, or reached
    /// with `code_record`, a serialized promocore.v1.Code of it, for coupons); `baseline`: the
    /// live catalog without it (with_live); `format`: "jsonl", "csv" or None (guessed);
    /// `now_ms`: the time of orders without one.
    #[new]
    #[pyo3(signature = (plan, campaign_id, *, baseline=None, code_record=None, format=None, samples_per_outcome=5, per_order=false, now_ms=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        plan: &Bound<'_, crate::PyCheckoutPlan>,
        campaign_id: String,
        baseline: Option<Bound<'_, crate::PyCheckoutPlan>>,
        code_record: Option<&[u8]>,
        format: Option<&str>,
        samples_per_outcome: usize,
        per_order: bool,
        now_ms: i64,
    ) -> PyResult<Self> {
        let format = match format {
            None => None,
            Some("jsonl") => Some(OrdersFormat::JsonLines),
            Some("csv") => Some(OrdersFormat::Csv),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "format {other:?}: jsonl, csv or None"
                )))
            }
        };
        let code_record = code_record
            .map(engine::pb::v1::Code::decode)
            .transpose()
            .map_err(|error| PyValueError::new_err(format!("not a Code: {error}")))?;
        let setup = BacktestSetup {
            plan: Arc::clone(&plan.get().inner),
            baseline: baseline.map(|baseline| Arc::clone(&baseline.get().inner)),
            campaign_id,
            code_record,
            samples_per_outcome,
            per_order,
            now_ms,
        };
        Ok(PyBacktest {
            // The lines of a chunk are parsed while the chunk before is evaluated.
            inner: Backtest::with_parser_thread(setup, format),
        })
    }

    /// Reads a chunk of the (uncompressed) file; `last` when the file ends with it. A thread of
    /// the backtest parses it while `evaluate` evaluates the orders of the chunk before: this
    /// call takes those (with `last`, all that is left) and answers the ids of the customers
    /// whose stored profile `evaluate` needs, in that order. Raises
    /// InvalidRequestError("orders", "line N: field: reason") for a line that is not an order.
    /// `chunk`: bytes or a memoryview of them (a piece of a larger message, not copied first).
    #[pyo3(signature = (chunk, last=false))]
    fn feed(&mut self, py: Python<'_>, chunk: PyBuffer<u8>, last: bool) -> PyResult<Vec<String>> {
        // The one copy of the chunk: into the buffer the parser thread takes.
        let mut bytes = self.inner.buffer();
        bytes.resize(chunk.item_count(), 0);
        chunk.copy_to_slice(py, &mut bytes)?;
        let inner = &mut self.inner;
        py.allow_threads(|| inner.feed_owned(bytes, last).map(<[String]>::to_vec))
            .map_err(|error| backtest_error(py, error))
    }

    /// Evaluates the orders read so far; `profiles[i]`: the serialized
    /// promocore.v1.internal.CustomerProfile of the i-th customer `feed` asked for, or None.
    /// The GIL is released meanwhile (a chunk takes milliseconds; the server's checkouts go on).
    fn evaluate(&mut self, py: Python<'_>, profiles: Vec<Option<Vec<u8>>>) -> PyResult<()> {
        let inner = &mut self.inner;
        py.allow_threads(|| inner.evaluate(profiles))
            .map_err(|error| backtest_error(py, error))
    }

    /// Orders evaluated so far.
    #[getter]
    fn orders(&self) -> u64 {
        self.inner.orders()
    }

    /// Bytes of the file read so far.
    #[getter]
    fn bytes_read(&self) -> u64 {
        self.inner.bytes_read()
    }

    /// The serialized promocore.v1.BacktestReport of the orders evaluated so far.
    fn report<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.report().encode_to_vec())
    }
}
