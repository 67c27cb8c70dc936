//! Lighthouse and the WebAssembly's size for `make bench`: runs `end2end/lighthouse.mjs`
//! (npm's Lighthouse in Debian's Chromium) against the running server and reads its rows.

use serde::Deserialize;
use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Deserialize)]
struct Row {
    metric: String,
    value: f64,
    unit: String,
}

/// Scores (0–100) and bytes for the main pages of the server at `base`, which must have been
/// started with `--demo`, and the WebAssembly's size raw, gzip and brotli.
pub fn measure(base: &str) -> Result<Vec<(String, f64, &'static str)>, String> {
    let end2end = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    let output = Command::new("node")
        .arg("lighthouse.mjs")
        .arg(base)
        .current_dir(&end2end)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node in {}: {e}", end2end.display()))?;
    if !output.status.success() {
        return Err(format!("lighthouse.mjs failed: {}", output.status));
    }
    let rows: Vec<Row> = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("lighthouse.mjs printed no rows: {e}"))?;
    rows.into_iter()
        .map(|row| {
            // The table keeps units as static text; these are the script's only two.
            let unit = match row.unit.as_str() {
                "score" => "score",
                "bytes" => "bytes",
                other => return Err(format!("unknown unit {other:?} for {}", row.metric)),
            };
            Ok((row.metric, row.value, unit))
        })
        .collect()
}
