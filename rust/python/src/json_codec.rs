//! Proto3 JSON <-> protobuf bytes for the HTTP port's Connect JSON calls (prost-reflect's
//! mapping, the one protobuf's own json_format follows): a 20-item cart costs some 1 ms in
//! json_format's Python and a few microseconds here.

use prost::Message;
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, SerializeOptions};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The messages of a FileDescriptorSet, transcoded between proto3 JSON and protobuf bytes.
#[pyclass(module = "promocore._engine", frozen, name = "JsonCodec")]
pub struct JsonCodec {
    pool: DescriptorPool,
}

impl JsonCodec {
    fn message(&self, name: &str) -> PyResult<prost_reflect::MessageDescriptor> {
        self.pool
            .get_message_by_name(name)
            .ok_or_else(|| PyKeyError::new_err(format!("no message {name} in the descriptors")))
    }
}

#[pymethods]
impl JsonCodec {
    #[new]
    fn new(file_descriptor_set: &[u8]) -> PyResult<Self> {
        let pool = DescriptorPool::decode(file_descriptor_set)
            .map_err(|error| PyValueError::new_err(format!("bad descriptors: {error}")))?;
        Ok(JsonCodec { pool })
    }

    /// The protobuf bytes of `json`, a proto3 JSON `message_name`; ValueError when it is not
    /// one (unknown fields included).
    fn to_proto<'py>(
        &self,
        py: Python<'py>,
        message_name: &str,
        json: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let descriptor = self.message(message_name)?;
        let encoded = py.allow_threads(|| -> Result<Vec<u8>, serde_json::Error> {
            let mut deserializer = serde_json::Deserializer::from_slice(json);
            let message = DynamicMessage::deserialize_with_options(
                descriptor,
                &mut deserializer,
                &DeserializeOptions::new(),
            )?;
            deserializer.end()?;
            Ok(message.encode_to_vec())
        });
        match encoded {
            Ok(bytes) => Ok(PyBytes::new(py, &bytes)),
            Err(error) => Err(PyValueError::new_err(error.to_string())),
        }
    }

    /// The proto3 JSON of `data`, protobuf bytes of `message_name`: lowerCamelCase names,
    /// default values left out, 64-bit integers as strings, enums by name.
    fn to_json<'py>(
        &self,
        py: Python<'py>,
        message_name: &str,
        data: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let descriptor = self.message(message_name)?;
        let json = py.allow_threads(|| -> Result<Vec<u8>, String> {
            let message = DynamicMessage::decode(descriptor, data).map_err(|e| e.to_string())?;
            let mut out = Vec::with_capacity(data.len() * 2 + 16);
            let mut serializer = serde_json::Serializer::new(&mut out);
            message
                .serialize_with_options(&mut serializer, &SerializeOptions::new())
                .map_err(|e| e.to_string())?;
            Ok(out)
        });
        match json {
            Ok(bytes) => Ok(PyBytes::new(py, &bytes)),
            Err(error) => Err(PyValueError::new_err(error)),
        }
    }
}
