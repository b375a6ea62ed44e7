//! google.protobuf.Timestamp for the JSON codec, in proto3 JSON's form as protobuf's
//! json_format writes it: UTC with a "Z", and 0, 3, 6 or 9 fractional digits (pbjson-types
//! writes "+00:00" and all nine).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds and nanoseconds since the Unix epoch, as the well-known type encodes them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

// proto3 JSON allows years 0001 to 9999 only.
const FIRST_SECOND: i64 = -62_135_596_800;
const LAST_SECOND: i64 = 253_402_300_799;

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let in_range = (FIRST_SECOND..=LAST_SECOND).contains(&self.seconds)
            && (0..1_000_000_000).contains(&self.nanos);
        let time = in_range
            .then(|| DateTime::<Utc>::from_timestamp(self.seconds, self.nanos as u32))
            .flatten()
            .ok_or_else(|| serde::ser::Error::custom("timestamp out of range"))?;
        serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("an RFC 3339 date-time string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
        let time = DateTime::parse_from_rfc3339(text).map_err(E::custom)?;
        let seconds = time.timestamp();
        if !(FIRST_SECOND..=LAST_SECOND).contains(&seconds) {
            return Err(E::custom("timestamp out of range"));
        }
        Ok(Timestamp {
            seconds,
            nanos: time.timestamp_subsec_nanos() as i32,
        })
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TimestampVisitor)
    }
}
