//! The customer as rules see it: the stored attributes of the profile with the request's
//! attributes merged over them, key by key (a request key set to null removes the stored one).

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use crate::error::ContextError;
use crate::pb::internal::CustomerProfile;

/// The attributes rules read; None when neither the profile nor the request has any.
pub fn merged_attributes<'a>(
    profile: Option<&CustomerProfile>,
    request: Option<&'a Map<String, Json>>,
) -> Result<Option<Cow<'a, Map<String, Json>>>, ContextError> {
    let stored_text = profile.map_or("", |profile| profile.attributes_json.as_str());
    if stored_text.trim().is_empty() {
        return Ok(request.map(Cow::Borrowed));
    }
    let mut stored = match serde_json::from_str::<Json>(stored_text) {
        Ok(Json::Object(object)) => object,
        _ => {
            return Err(ContextError::new(
                "customer.attributes_json must be a JSON object",
            ))
        }
    };
    for (key, value) in request.into_iter().flatten() {
        if value.is_null() {
            stored.remove(key);
        } else {
            stored.insert(key.clone(), value.clone());
        }
    }
    Ok(Some(Cow::Owned(stored)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_attributes_win_key_by_key() {
        let profile = CustomerProfile {
            attributes_json: r#"{"country": "FR", "tier": "gold"}"#.to_owned(),
            ..Default::default()
        };
        let request = json!({"country": "BE", "tier": null});
        let merged = merged_attributes(Some(&profile), request.as_object())
            .expect("valid")
            .expect("present");
        assert_eq!(Json::Object(merged.into_owned()), json!({"country": "BE"}));
        assert!(merged_attributes(None, None).expect("valid").is_none());
    }
}
