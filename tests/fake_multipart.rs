// Included (`include!`) by both fake servers, which benches also compile
// on their own: the multipart reading they share.

/// Multipart form fields as strings; a file as `<file NAME BYTES>`.
fn parse_multipart(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let value = match head
            .split("filename=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        {
            Some(file) => format!("<file {file} {}>", value.len()),
            None => value.to_string(),
        };
        fields.insert(name.to_string(), Value::String(value));
    }
    Value::Object(fields)
}
