//! Event shapes more than one function reads: the events the suite's own
//! functions emit to EventBridge, CloudWatch alarm state changes in each
//! of the three shapes AWS delivers them, and AWS Backup's job events.

pub mod backup;

/// What scaling-scheduler says about each action it takes.
pub mod scheduler {
    use serde::{Deserialize, Serialize};

    /// `source` of every scaling-scheduler event.
    pub const SOURCE: &str = "ops-automation.scaling-scheduler";
    /// `detail-type` of the event sent for each scheduled action.
    pub const ACTION_DETAIL_TYPE: &str = "Scheduled Scaling Action";

    /// How an action ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Outcome {
        Done,
        Failed,
        Skipped,
        Planned,
    }

    /// Capacity or state of a target before or after an action.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Capacity {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub desired: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max: Option<i32>,
        /// For targets that are stopped and started rather than scaled (RDS).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub state: Option<String>,
    }

    impl std::fmt::Display for Capacity {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let mut parts = Vec::new();
            if let Some(state) = &self.state {
                parts.push(state.clone());
            }
            if let Some(d) = self.desired {
                parts.push(format!("desired {d}"));
            }
            if let Some(m) = self.min {
                parts.push(format!("min {m}"));
            }
            if let Some(m) = self.max {
                parts.push(format!("max {m}"));
            }
            f.write_str(&parts.join(", "))
        }
    }

    /// The `detail` of a [`ACTION_DETAIL_TYPE`] event.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ScheduledAction {
        pub schedule: String,
        /// `ecs-service`, `autoscaling-group`, `rds-instance`, `rds-cluster`,
        /// `ec2-instance`.
        pub resource_type: String,
        pub resource: String,
        /// `scale-down`, `scale-up`, `stop`, `hibernate`, `start`.
        pub action: String,
        pub outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub before: Option<Capacity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub after: Option<Capacity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reason: Option<String>,
        #[serde(default)]
        pub dry_run: bool,
    }
}

/// CloudWatch alarm state changes, read from any of the shapes AWS sends:
/// the classic message an alarm action publishes to SNS, the EventBridge
/// "CloudWatch Alarm State Change" event, and the payload of a Lambda alarm
/// action.
pub mod alarm {
    use std::collections::BTreeMap;

    use serde_json::Value;

    /// A metric an alarm watches.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct MetricRef {
        pub namespace: String,
        pub name: String,
        pub dimensions: BTreeMap<String, String>,
    }

    impl std::fmt::Display for MetricRef {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let dims: Vec<String> = self
                .dimensions
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let text = format!("{} {} {}", self.namespace, self.name, dims.join(","));
            f.write_str(text.trim())
        }
    }

    /// One alarm state change.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct AlarmChange {
        pub name: String,
        pub description: String,
        /// `ALARM`, `OK` or `INSUFFICIENT_DATA`.
        pub state: String,
        pub previous: String,
        pub reason: String,
        pub changed_at: String,
        pub account: String,
        /// A region code (`eu-west-1`) where the shape carries one.
        pub region: String,
        pub arn: String,
        pub metrics: Vec<MetricRef>,
        /// A composite alarm's rule (`configuration.alarmRule`).
        pub rule: String,
        /// A composite alarm's actions suppressor (`configuration.actionsSuppressor`).
        pub suppressor: String,
        /// Why its actions are held back now (`state.actionsSuppressedBy`:
        /// `Alarm`, `WaitPeriod`, `ExtensionPeriod`), empty when they run.
        pub suppressed_by: String,
        pub suppressed_reason: String,
        /// Whether the actions of the previous state were held back.
        pub previously_suppressed: bool,
    }

    fn text<'a>(v: &'a Value, key: &str) -> &'a str {
        v.get(key).and_then(Value::as_str).unwrap_or_default()
    }

    fn dimension_list(v: Option<&Value>) -> BTreeMap<String, String> {
        v.and_then(Value::as_array)
            .map(|ds| {
                ds.iter()
                    .map(|d| {
                        let name = d.get("name").or_else(|| d.get("Name"));
                        let value = d.get("value").or_else(|| d.get("Value"));
                        (
                            name.and_then(Value::as_str).unwrap_or_default().to_owned(),
                            value.and_then(Value::as_str).unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    impl AlarmChange {
        /// The message an alarm action publishes to SNS, parsed from JSON.
        pub fn from_sns_message(v: &Value) -> Option<AlarmChange> {
            let name = text(v, "AlarmName");
            let state = text(v, "NewStateValue");
            if name.is_empty() || state.is_empty() {
                return None;
            }
            let trigger = v.get("Trigger").cloned().unwrap_or_default();
            let mut metrics = Vec::new();
            if !text(&trigger, "MetricName").is_empty() {
                metrics.push(MetricRef {
                    namespace: text(&trigger, "Namespace").to_owned(),
                    name: text(&trigger, "MetricName").to_owned(),
                    dimensions: dimension_list(trigger.get("Dimensions")),
                });
            }
            // Metric-math alarms list their metrics instead.
            for m in trigger
                .get("Metrics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(metric) = m.pointer("/MetricStat/Metric") {
                    metrics.push(MetricRef {
                        namespace: text(metric, "Namespace").to_owned(),
                        name: text(metric, "MetricName").to_owned(),
                        dimensions: dimension_list(metric.get("Dimensions")),
                    });
                }
            }
            let arn = text(v, "AlarmArn");
            // The message names the region in words ("EU (Ireland)"); the ARN has the code.
            let region = arn
                .split(':')
                .nth(3)
                .filter(|r| !r.is_empty())
                .unwrap_or(text(v, "Region"));
            Some(AlarmChange {
                name: name.to_owned(),
                description: text(v, "AlarmDescription").to_owned(),
                state: state.to_owned(),
                previous: text(v, "OldStateValue").to_owned(),
                reason: text(v, "NewStateReason").to_owned(),
                changed_at: text(v, "StateChangeTime").to_owned(),
                account: text(v, "AWSAccountId").to_owned(),
                region: region.to_owned(),
                arn: arn.to_owned(),
                metrics,
                ..AlarmChange::default()
            })
        }

        /// The EventBridge "CloudWatch Alarm State Change" event.
        pub fn from_eventbridge(event: &Value) -> Option<AlarmChange> {
            let detail = event.get("detail")?;
            let arn = event
                .get("resources")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(Value::as_str)
                .unwrap_or_default();
            Self::from_alarm_data(detail, text(event, "account"), text(event, "region"), arn)
        }

        /// The payload CloudWatch sends when an alarm action invokes a Lambda function.
        pub fn from_lambda_action(payload: &Value) -> Option<AlarmChange> {
            let data = payload.get("alarmData")?;
            Self::from_alarm_data(
                data,
                text(payload, "accountId"),
                text(payload, "region"),
                text(payload, "alarmArn"),
            )
        }

        fn from_alarm_data(
            d: &Value,
            account: &str,
            region: &str,
            arn: &str,
        ) -> Option<AlarmChange> {
            let name = text(d, "alarmName");
            let state = d.get("state").map(|s| text(s, "value")).unwrap_or_default();
            if name.is_empty() || state.is_empty() {
                return None;
            }
            let metrics = d
                .pointer("/configuration/metrics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.pointer("/metricStat/metric"))
                .map(|m| MetricRef {
                    namespace: text(m, "namespace").to_owned(),
                    name: text(m, "name").to_owned(),
                    dimensions: m
                        .get("dimensions")
                        .and_then(Value::as_object)
                        .map(|o| {
                            o.iter()
                                .map(|(k, v)| {
                                    (k.clone(), v.as_str().unwrap_or_default().to_owned())
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect();
            Some(AlarmChange {
                name: name.to_owned(),
                description: d
                    .pointer("/configuration/description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                state: state.to_owned(),
                previous: d
                    .get("previousState")
                    .map(|s| text(s, "value"))
                    .unwrap_or_default()
                    .to_owned(),
                reason: d
                    .get("state")
                    .map(|s| text(s, "reason"))
                    .unwrap_or_default()
                    .to_owned(),
                changed_at: d
                    .get("state")
                    .map(|s| text(s, "timestamp"))
                    .unwrap_or_default()
                    .to_owned(),
                rule: d
                    .pointer("/configuration/alarmRule")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                suppressor: d
                    .pointer("/configuration/actionsSuppressor")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                suppressed_by: d
                    .get("state")
                    .map(|s| text(s, "actionsSuppressedBy"))
                    .unwrap_or_default()
                    .to_owned(),
                suppressed_reason: d
                    .get("state")
                    .map(|s| text(s, "actionsSuppressedReason"))
                    .unwrap_or_default()
                    .to_owned(),
                previously_suppressed: d
                    .get("previousState")
                    .is_some_and(|s| !text(s, "actionsSuppressedBy").is_empty()),
                account: account.to_owned(),
                region: region.to_owned(),
                arn: arn.to_owned(),
                metrics,
            })
        }

        /// The watched metrics in words.
        pub fn metric_text(&self) -> String {
            self.metrics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        #[test]
        fn classic_message_with_a_single_metric() {
            let a = AlarmChange::from_sns_message(&json!({
                "AlarmName": "q-dlq", "NewStateValue": "ALARM", "OldStateValue": "OK",
                "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:q-dlq", "Region": "EU (Ireland)",
                "Trigger": {"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS",
                            "Dimensions": [{"value": "q-dlq", "name": "QueueName"}]}
            }))
            .expect("alarm");
            assert_eq!(a.region, "eu-west-1");
            assert_eq!(
                a.metric_text(),
                "AWS/SQS ApproximateNumberOfMessagesVisible QueueName=q-dlq"
            );
        }

        #[test]
        fn classic_message_with_metric_math() {
            let a = AlarmChange::from_sns_message(&json!({
                "AlarmName": "m", "NewStateValue": "ALARM",
                "Trigger": {"Metrics": [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/SQS",
                    "MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": [{"name": "QueueName", "value": "a-dlq"}]}}}]}
            }))
            .expect("alarm");
            assert_eq!(
                a.metrics[0].dimensions.get("QueueName").map(String::as_str),
                Some("a-dlq")
            );
        }

        #[test]
        fn lambda_alarm_action_payload() {
            let a = AlarmChange::from_lambda_action(&json!({
                "source": "aws.cloudwatch", "alarmArn": "arn:aws:cloudwatch:us-east-1:1:alarm:x",
                "accountId": "1", "time": "2026-11-23T10:00:00.000+0000", "region": "us-east-1",
                "alarmData": {"alarmName": "x", "state": {"value": "ALARM", "reason": "r", "timestamp": "t"},
                    "previousState": {"value": "OK"},
                    "configuration": {"metrics": [{"id": "m", "metricStat": {"metric": {"namespace": "AWS/SQS",
                        "name": "ApproximateNumberOfMessagesVisible", "dimensions": {"QueueName": "x-dlq"}}}}]}}
            }))
            .expect("alarm");
            assert_eq!(
                (a.state.as_str(), a.previous.as_str(), a.region.as_str()),
                ("ALARM", "OK", "us-east-1")
            );
            assert_eq!(
                a.metric_text(),
                "AWS/SQS ApproximateNumberOfMessagesVisible QueueName=x-dlq"
            );
        }

        #[test]
        fn other_json_is_not_an_alarm() {
            assert_eq!(AlarmChange::from_sns_message(&json!({"hello": 1})), None);
            assert_eq!(
                AlarmChange::from_lambda_action(&json!({"alarmData": {}})),
                None
            );
        }
    }
}
