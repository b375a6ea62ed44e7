//! Proto3 JSON <-> protobuf bytes for the HTTP port's Connect JSON calls, in the mapping
//! protobuf's own json_format follows. The serde impls are generated for each message of the
//! public contract (pbjson, build.rs): a checkout cart parses without a reflective message in
//! between, several times faster than a descriptor-driven transcoder.

use prost::Message;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The messages of package `promocore.v1`, as prost and pbjson generate them.
#[allow(clippy::all)]
mod wire {
    include!(concat!(env!("OUT_DIR"), "/promocore.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/promocore.v1.serde.rs"));
}

type Transcoded = Result<Vec<u8>, String>;

fn json_to_proto<M: Message + DeserializeOwned>(json: &[u8]) -> Transcoded {
    let message: M = serde_json::from_slice(json).map_err(|error| error.to_string())?;
    Ok(message.encode_to_vec())
}

fn proto_to_json<M: Message + Default + Serialize>(data: &[u8]) -> Transcoded {
    let message = M::decode(data).map_err(|error| error.to_string())?;
    let mut out = Vec::with_capacity(data.len() * 2 + 16);
    serde_json::to_writer(&mut out, &message).map_err(|error| error.to_string())?;
    Ok(out)
}

/// The transcoding functions of one message.
struct Transcoder {
    to_proto: fn(&[u8]) -> Transcoded,
    to_json: fn(&[u8]) -> Transcoded,
}

macro_rules! transcoder_table {
    ($(($name:literal, $message:ident)),* $(,)?) => {
        fn transcoder(name: &str) -> Option<Transcoder> {
            match name {
                $($name => Some(Transcoder {
                    to_proto: json_to_proto::<wire::$message>,
                    to_json: proto_to_json::<wire::$message>,
                }),)*
                _ => None,
            }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/message_table.rs"));
for_each_message!(transcoder_table);

/// Transcodes the messages of package `promocore.v1` between proto3 JSON and protobuf bytes.
#[pyclass(module = "promocore._engine", frozen, name = "JsonCodec")]
pub struct JsonCodec;

fn transcoder_of(name: &str) -> PyResult<Transcoder> {
    transcoder(name).ok_or_else(|| PyKeyError::new_err(format!("no JSON codec for {name}")))
}

fn transcoded<'py>(py: Python<'py>, result: Transcoded) -> PyResult<Bound<'py, PyBytes>> {
    match result {
        Ok(bytes) => Ok(PyBytes::new(py, &bytes)),
        Err(error) => Err(PyValueError::new_err(error)),
    }
}

#[pymethods]
impl JsonCodec {
    #[new]
    fn new() -> Self {
        JsonCodec
    }

    /// Whether `message_name` (a full name) is one this codec transcodes.
    fn knows(&self, message_name: &str) -> bool {
        transcoder(message_name).is_some()
    }

    /// The protobuf bytes of `json`, a proto3 JSON `message_name`; ValueError when it is not
    /// one (unknown fields included).
    fn to_proto<'py>(
        &self,
        py: Python<'py>,
        message_name: &str,
        json: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let convert = transcoder_of(message_name)?.to_proto;
        let result = py.allow_threads(|| convert(json));
        transcoded(py, result)
    }

    /// The proto3 JSON of `data`, protobuf bytes of `message_name`: lowerCamelCase names,
    /// default values left out, 64-bit integers as strings, enums by name.
    fn to_json<'py>(
        &self,
        py: Python<'py>,
        message_name: &str,
        data: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let convert = transcoder_of(message_name)?.to_json;
        let result = py.allow_threads(|| convert(data));
        transcoded(py, result)
    }
}
