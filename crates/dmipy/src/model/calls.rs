//! The `set_…` calls a model records, grouped as a model file writes them.

/// `"key":[args, …]` for each run of consecutive calls of one kind, in order.
pub(crate) fn grouped_calls(calls: &[(&'static str, serde_json::Value)]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut k = 0;
    while k < calls.len() {
        let key = calls[k].0;
        let group: Vec<&serde_json::Value> = calls[k..]
            .iter()
            .take_while(|(c, _)| *c == key)
            .map(|(_, a)| a)
            .collect();
        k += group.len();
        parts.push(format!("\"{key}\":{}", serde_json::json!(group)));
    }
    parts
}
