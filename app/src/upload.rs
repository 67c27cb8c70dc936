//! Sending forms with files from the browser. `XMLHttpRequest` rather than fetch, because only
//! it reports upload progress, which people need to see for a 20 MB screenshot on hotel Wi-Fi.

use crate::error::AppError;

/// Turns the API's error body (`{"error": {code, message, fields}}`) back into the error.
pub fn error_from_api(status: u16, body: &str) -> AppError {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let error = &value["error"];
    let message = error["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("The server answered {status}."));
    match error["code"].as_str() {
        Some("invalid") => serde_json::from_value(error["fields"].clone()).map_or_else(
            |_| AppError::Request { message },
            |fields| AppError::Invalid { fields },
        ),
        Some("not_found") => AppError::NotFound,
        Some("forbidden") => AppError::Forbidden,
        Some("unauthorized") => AppError::Unauthorized,
        Some("too_large") => AppError::TooLarge { message },
        Some("conflict") => AppError::Conflict { message },
        Some("internal") => AppError::Internal,
        _ => AppError::Request { message },
    }
}

/// Files a person picked, pasted or dropped, kept until the form is sent. Browser-only values,
/// so they live beside the signals rather than in them.
#[cfg(feature = "hydrate")]
pub type Picked = leptos::prelude::StoredValue<Vec<web_sys::File>, leptos::prelude::LocalStorage>;

/// The files of a file list (an input's, a paste's or a drop's).
#[cfg(feature = "hydrate")]
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Posts `form` to `url` asking for JSON, calling `progress` with the fraction sent so far.
/// Returns the status and body of the answer; `Err` with a sentence when nothing came back.
#[cfg(feature = "hydrate")]
pub async fn send(
    url: &str,
    form: &web_sys::FormData,
    progress: impl Fn(f64) + 'static,
) -> Result<(u16, String), String> {
    use wasm_bindgen::{JsCast, closure::Closure};
    const CANNOT: &str = "This browser cannot upload files.";
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| CANNOT)?;
    xhr.open("POST", url).map_err(|_| CANNOT)?;
    xhr.set_request_header("accept", "application/json")
        .map_err(|_| CANNOT)?;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                progress(ev.loaded() / ev.total());
            }
        });
    xhr.upload()
        .map_err(|_| CANNOT)?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let finished = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    xhr.send_with_opt_form_data(Some(form))
        .map_err(|_| CANNOT)?;
    let outcome = wasm_bindgen_futures::JsFuture::from(finished).await;
    // The progress callback must live until the request is over.
    drop(on_progress);
    outcome.map_err(|_| "The upload did not reach the server. Check the connection.")?;
    let status = xhr.status().map_err(|_| CANNOT)?;
    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    Ok((status, body))
}

/// A size as people read it.
pub fn human_size(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MB", bytes / (1024.0 * 1024.0))
    } else if bytes >= 1024.0 {
        format!("{:.0} KB", bytes / 1024.0)
    } else {
        crate::words::count(bytes.round() as u64, "byte", "bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_validation_error_keeps_its_fields() {
        let body = r#"{"error":{"code":"invalid","message":"x","fields":{"subject":["Say it."]}}}"#;
        let err = error_from_api(422, body);
        assert_eq!(err.field("subject").as_deref(), Some("Say it."));
    }

    #[test]
    fn an_api_error_keeps_its_message_and_a_garbled_one_names_the_status() {
        let body = r#"{"error":{"code":"too_large","message":"Too big.","fields":{}}}"#;
        assert_eq!(error_from_api(413, body).to_string(), "Too big.");
        assert!(error_from_api(502, "<html>").to_string().contains("502"));
    }

    #[test]
    fn sizes_read_in_the_largest_fitting_unit() {
        assert_eq!(human_size(512.0), "512 bytes");
        assert_eq!(human_size(1.0), "1 byte");
        assert_eq!(human_size(0.0), "0 bytes");
        assert_eq!(human_size(2048.0), "2 KB");
        assert_eq!(human_size(3.5 * 1024.0 * 1024.0), "3.5 MB");
    }
}
