//! Application Auto Scaling scaling activities (ECS services, DynamoDB, ...).

use serde::Deserialize;
use serde_json::Value;
use shared::Severity;

use super::{Ctx, Formatted};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Activity {
    start_time: String,
    end_time: String,
    new_desired_capacity: Option<i64>,
    old_desired_capacity: Option<i64>,
    min_capacity: Option<i64>,
    max_capacity: Option<i64>,
    resource_id: String,
    scalable_dimension: String,
    service_namespace: String,
    status_code: String,
    scaled_to_max: Option<bool>,
    direction: String,
    #[serde(flatten)]
    _rest: std::collections::BTreeMap<String, Value>,
}

pub(super) fn format(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: Activity = ctx.detail()?;
    if d.resource_id.is_empty() {
        return None;
    }
    let at_max = d.scaled_to_max.unwrap_or(false)
        || matches!((d.new_desired_capacity, d.max_capacity), (Some(n), Some(m)) if n >= m);
    let change = match (d.old_desired_capacity, d.new_desired_capacity) {
        (Some(old), Some(new)) => format!("{old} -> {new}"),
        _ => String::new(),
    };
    let direction = match d.direction.as_str() {
        "scale-out" => "scaled out",
        "scale-in" => "scaled in",
        _ => "scaled",
    };
    let mut title = format!("{}: {direction}", d.resource_id);
    if !change.is_empty() {
        title.push_str(&format!(" {change}"));
    }
    let (severity, summary) = if at_max {
        title.push_str(", at its maximum");
        (
            Severity::Warning,
            format!(
                "The target reached its maximum capacity{}: it cannot scale out further if demand keeps growing.",
                d.max_capacity
                    .map(|m| format!(" of {m}"))
                    .unwrap_or_default()
            ),
        )
    } else {
        (
            Severity::Info,
            format!("Application Auto Scaling {direction} {}.", d.resource_id),
        )
    };
    let n = ctx
        .notification(severity, title)
        .summary(summary)
        .field("Resource", &d.resource_id)
        .field("Dimension", &d.scalable_dimension)
        .field("Service", &d.service_namespace)
        .field("Capacity", change)
        .field(
            "Minimum",
            d.min_capacity.map(|m| m.to_string()).unwrap_or_default(),
        )
        .field(
            "Maximum",
            d.max_capacity.map(|m| m.to_string()).unwrap_or_default(),
        )
        .field("Status", &d.status_code)
        .field("Started", &d.start_time)
        .field("Ended", &d.end_time)
        .resource(d.resource_id.clone());
    Some(Formatted::known(
        "Application Auto Scaling Scaling Activity State Change",
        ctx.finish(n),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::format;
    use super::super::tests::{field, sample};
    use super::*;
    use shared::Redactor;

    #[test]
    fn scaled_to_max_is_a_warning_with_the_capacity_change() {
        let n = format(
            &sample("application-autoscaling_scaled-to-max.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "service/prod/checkout: scaled out 6 -> 10, at its maximum"
        );
        assert_eq!(field(&n, "Dimension"), Some("ecs:service:DesiredCount"));
        assert_eq!(n.resource.as_deref(), Some("service/prod/checkout"));
    }
}
