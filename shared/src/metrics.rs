//! CloudWatch metrics as Embedded Metric Format (EMF) lines on stdout.
//!
//! Lambda ships stdout to CloudWatch Logs, which extracts the metrics: no
//! CloudWatch API call, no latency, no permission beyond the log group.

use serde_json::{Map, Value, json};

/// A CloudWatch metric unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Milliseconds,
    Bytes,
    Percent,
    None,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Seconds => "Seconds",
            Unit::Milliseconds => "Milliseconds",
            Unit::Bytes => "Bytes",
            Unit::Percent => "Percent",
            Unit::None => "None",
        }
    }
}

/// One EMF document: a namespace, one dimension set, metric values and
/// properties (searchable in Logs Insights, not metrics).
#[derive(Debug, Clone)]
pub struct Metrics {
    namespace: String,
    dimensions: Vec<(String, String)>,
    values: Vec<(String, Unit, f64)>,
    properties: Map<String, Value>,
}

/// EMF allows at most 100 metrics per document.
const MAX_METRICS: usize = 100;

impl Metrics {
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            dimensions: Vec::new(),
            values: Vec::new(),
            properties: Map::new(),
        }
    }

    pub fn dimension(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.dimensions.push((name.into(), value.into()));
        self
    }

    pub fn put(&mut self, name: impl Into<String>, unit: Unit, value: f64) -> &mut Self {
        if self.values.len() < MAX_METRICS {
            self.values.push((name.into(), unit, value));
        }
        self
    }

    pub fn count(&mut self, name: impl Into<String>, value: usize) -> &mut Self {
        self.put(name, Unit::Count, value as f64)
    }

    pub fn property(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.properties.insert(name.into(), value.into());
        self
    }

    /// The EMF document at `timestamp_ms` (milliseconds since the epoch).
    pub fn to_json(&self, timestamp_ms: u64) -> Value {
        let mut root = self.properties.clone();
        for (name, value) in &self.dimensions {
            root.insert(name.clone(), Value::String(value.clone()));
        }
        for (name, _, value) in &self.values {
            root.insert(name.clone(), json!(value));
        }
        let dimension_names: Vec<&str> = self.dimensions.iter().map(|(n, _)| n.as_str()).collect();
        let metric_defs: Vec<Value> = self
            .values
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit.as_str()}))
            .collect();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [dimension_names],
                    "Metrics": metric_defs,
                }]
            }),
        );
        Value::Object(root)
    }

    /// Prints the document as one line on stdout, where Lambda picks it up.
    pub fn emit(&self) {
        if self.values.is_empty() {
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        println!("{}", self.to_json(now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_follows_the_emf_specification() {
        let mut m = Metrics::new("OpsAutomation").dimension("Function", "scaling-notifier");
        m.count("NotificationsPublished", 2)
            .put("Latency", Unit::Milliseconds, 12.5)
            .property("requestId", "abc");
        let doc = m.to_json(1_700_000_000_000);
        assert_eq!(
            doc,
            json!({
                "Function": "scaling-notifier",
                "NotificationsPublished": 2.0,
                "Latency": 12.5,
                "requestId": "abc",
                "_aws": {
                    "Timestamp": 1_700_000_000_000u64,
                    "CloudWatchMetrics": [{
                        "Namespace": "OpsAutomation",
                        "Dimensions": [["Function"]],
                        "Metrics": [
                            {"Name": "NotificationsPublished", "Unit": "Count"},
                            {"Name": "Latency", "Unit": "Milliseconds"}
                        ]
                    }]
                }
            })
        );
    }

    #[test]
    fn no_more_than_one_hundred_metrics_per_document() {
        let mut m = Metrics::new("N");
        for i in 0..150 {
            m.count(format!("m{i}"), i);
        }
        let doc = m.to_json(0);
        let defs = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .map(Vec::len);
        assert_eq!(defs, Some(100));
    }
}
