//! EC2 Auto Scaling: instance launch and terminate, lifecycle actions,
//! instance refresh.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use shared::Severity;

use super::{Ctx, Formatted};

/// The `detail` of instance launch and terminate events.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Activity {
    auto_scaling_group_name: String,
    activity_id: String,
    status_code: String,
    status_message: String,
    cause: String,
    description: String,
    start_time: String,
    end_time: String,
    #[serde(rename = "EC2InstanceId")]
    ec2_instance_id: String,
    details: BTreeMap<String, Value>,
}

/// The `detail` of lifecycle action events.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Lifecycle {
    auto_scaling_group_name: String,
    lifecycle_hook_name: String,
    lifecycle_transition: String,
    #[serde(rename = "EC2InstanceId")]
    ec2_instance_id: String,
    notification_metadata: String,
}

/// The `detail` of instance refresh events.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Refresh {
    auto_scaling_group_name: String,
    instance_refresh_id: String,
    status_reason: String,
    checkpoint_percentage: Value,
    checkpoint_delay: Value,
}

pub(super) fn format(ctx: &Ctx<'_>, detail_type: &str) -> Option<Formatted> {
    match detail_type {
        "EC2 Instance Launch Successful" => activity(ctx, detail_type, Severity::Info, |i, _| {
            format!("instance {i} launched")
        }),
        "EC2 Instance Launch Unsuccessful" => {
            activity(ctx, detail_type, Severity::Error, |_, _| {
                "launch failed".into()
            })
        }
        "EC2 Instance Terminate Successful" => {
            activity(ctx, detail_type, Severity::Info, |i, _| {
                format!("instance {i} terminated")
            })
        }
        "EC2 Instance Terminate Unsuccessful" => {
            activity(ctx, detail_type, Severity::Error, |i, _| {
                format!("termination of {i} failed")
            })
        }
        "EC2 Instance-launch Lifecycle Action" | "EC2 Instance-terminate Lifecycle Action" => {
            lifecycle(ctx, detail_type)
        }
        _ => {
            let phase = detail_type.strip_prefix("EC2 Auto Scaling Instance Refresh ")?;
            refresh(ctx, detail_type, phase)
        }
    }
}

fn activity(
    ctx: &Ctx<'_>,
    detail_type: &str,
    severity: Severity,
    what: impl Fn(&str, &Activity) -> String,
) -> Option<Formatted> {
    let d: Activity = ctx.detail()?;
    let group = d.auto_scaling_group_name.trim();
    if group.is_empty() {
        return None;
    }
    let zone = text(&d.details, "Availability Zone");
    let instance = if d.ec2_instance_id.trim().is_empty() {
        "(none)"
    } else {
        d.ec2_instance_id.trim()
    };
    let what = what(instance, &d);
    let title = match (&zone, ctx.region()) {
        (Some(zone), _) => format!("ASG {group}: {what} in {zone}"),
        (None, "") => format!("ASG {group}: {what}"),
        (None, region) => format!("ASG {group}: {what} in {region}"),
    };
    let summary = [&d.status_message, &d.description, &d.cause]
        .iter()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .unwrap_or("Auto Scaling reported no reason.")
        .to_owned();
    // The summary already says it; the fields need not repeat it.
    let status_message = if summary == d.status_message.trim() {
        ""
    } else {
        d.status_message.as_str()
    };
    let description = if summary == d.description.trim() {
        ""
    } else {
        d.description.as_str()
    };
    let n = ctx
        .notification(severity, title)
        .summary(summary)
        .field("Auto Scaling group", group)
        .field("Status", &d.status_code)
        .field("Status message", status_message)
        .field("Description", description)
        .field("Cause", &d.cause)
        .field("Capacity", capacity_change(&d.cause).unwrap_or_default())
        .field("Availability Zone", zone.unwrap_or_default())
        .field("Subnet", text(&d.details, "Subnet ID").unwrap_or_default())
        .field("Instance", d.ec2_instance_id.trim())
        .field("Activity", &d.activity_id)
        .field("Started", &d.start_time)
        .field("Ended", &d.end_time)
        .resource(format!("asg/{group}"));
    let n = with_console(ctx, ctx.finish(n), group);
    Some(Formatted::known(detail_type, n))
}

fn lifecycle(ctx: &Ctx<'_>, detail_type: &str) -> Option<Formatted> {
    let d: Lifecycle = ctx.detail()?;
    let group = d.auto_scaling_group_name.trim();
    if group.is_empty() {
        return None;
    }
    let phase = if detail_type.contains("launch") {
        "launch"
    } else {
        "terminate"
    };
    let title = format!(
        "ASG {group}: instance {} waiting on {phase} hook {}",
        d.ec2_instance_id, d.lifecycle_hook_name
    );
    let n = ctx
        .notification(Severity::Info, title)
        .summary(format!(
            "The instance is paused in {} until the hook completes or times out.",
            d.lifecycle_transition
        ))
        .field("Auto Scaling group", group)
        .field("Lifecycle hook", &d.lifecycle_hook_name)
        .field("Transition", &d.lifecycle_transition)
        .field("Instance", &d.ec2_instance_id)
        .field("Metadata", &d.notification_metadata)
        .resource(format!("asg/{group}"));
    Some(Formatted::known(
        detail_type,
        with_console(ctx, ctx.finish(n), group),
    ))
}

fn refresh(ctx: &Ctx<'_>, detail_type: &str, phase: &str) -> Option<Formatted> {
    let d: Refresh = ctx.detail()?;
    let group = d.auto_scaling_group_name.trim();
    if group.is_empty() {
        return None;
    }
    let (severity, words) = match phase {
        "Started" => (Severity::Info, "started"),
        "Succeeded" => (Severity::Info, "succeeded"),
        "Failed" => (Severity::Error, "failed"),
        "Cancelled" => (Severity::Warning, "was cancelled"),
        "Checkpoint Reached" => (Severity::Info, "reached a checkpoint"),
        // Its bake time: the replaced instances are watched before it goes on.
        "Started Baking" => (Severity::Info, "started baking"),
        "Rollback Started" => (Severity::Warning, "is rolling back"),
        // Back on the old configuration: the refresh did not happen.
        "Rollback Succeeded" => (Severity::Warning, "was rolled back"),
        "Rollback Failed" => (Severity::Error, "rollback failed"),
        _ => return None,
    };
    let summary = if d.status_reason.trim().is_empty() {
        format!("Instance refresh {} {words}.", d.instance_refresh_id)
    } else {
        d.status_reason.clone()
    };
    let n = ctx
        .notification(severity, format!("ASG {group}: instance refresh {words}"))
        .summary(summary)
        .field("Auto Scaling group", group)
        .field("Instance refresh", &d.instance_refresh_id)
        .field(
            "Checkpoint",
            scalar(&d.checkpoint_percentage)
                .map(|p| format!("{p}%"))
                .unwrap_or_default(),
        )
        .field(
            "Checkpoint delay",
            scalar(&d.checkpoint_delay)
                .map(|s| format!("{s} s"))
                .unwrap_or_default(),
        )
        .resource(format!("asg/{group}"));
    Some(Formatted::known(
        detail_type,
        with_console(ctx, ctx.finish(n), group),
    ))
}

fn with_console(ctx: &Ctx<'_>, n: shared::Notification, group: &str) -> shared::Notification {
    ctx.with_console(
        n,
        &format!("ec2/home?region={{region}}#AutoScalingGroupDetails:id={group};view=activity"),
    )
}

fn text(details: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    details
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A JSON string or number as text (Auto Scaling sends numbers as either).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `"... increasing the capacity from 2 to 3."` -> `"2 -> 3"`.
fn capacity_change(cause: &str) -> Option<String> {
    let rest = &cause[cause.find("capacity from ")? + "capacity from ".len()..];
    let mut words = rest.split_whitespace();
    let from: u32 = words.next()?.parse().ok()?;
    if words.next()? != "to" {
        return None;
    }
    let to: u32 = words
        .next()?
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    Some(format!("{from} -> {to}"))
}

#[cfg(test)]
mod tests {
    use super::super::format;
    use super::super::tests::{field, sample};
    use super::*;
    use shared::Redactor;

    #[test]
    fn launch_unsuccessful_is_an_error_naming_group_zone_and_capacity() {
        let f = format(
            &sample("autoscaling_launch-unsuccessful.json"),
            "staging",
            &Redactor::default(),
        );
        assert!(f.recognised);
        let n = f.notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(
            n.subject(),
            "[ERROR] ASG web-staging: launch failed in us-west-2b"
        );
        assert_eq!(field(&n, "Auto Scaling group"), Some("web-staging"));
        assert_eq!(field(&n, "Status"), Some("Failed"));
        assert_eq!(field(&n, "Subnet"), Some("subnet-0a1b2c3d"));
        assert_eq!(field(&n, "Capacity"), Some("2 -> 3"));
        assert_eq!(field(&n, "Region"), Some("us-west-2"));
        assert_eq!(field(&n, "Account"), Some("123456789012"));
        assert_eq!(field(&n, "Status message"), None, "already the summary");
        assert!(
            n.summary.contains("InsufficientInstanceCapacity"),
            "{}",
            n.summary
        );
        assert_eq!(n.resource.as_deref(), Some("asg/web-staging"));
        assert!(
            n.console_link
                .as_deref()
                .is_some_and(|l| l.contains("id=web-staging"))
        );
    }

    #[test]
    fn launch_successful_is_info_naming_the_instance() {
        let n = format(
            &sample("autoscaling_launch-successful.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(
            n.title,
            "ASG web-prod: instance i-0b5e7f3c2a1d4e6f8 launched in eu-west-1a"
        );
        assert_eq!(field(&n, "Capacity"), Some("3 -> 4"));
    }

    #[test]
    fn terminations_say_which_instance_and_how_capacity_moved() {
        let ok = format(
            &sample("autoscaling_terminate-successful.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(ok.severity, Severity::Info);
        assert_eq!(
            ok.title,
            "ASG web-prod: instance i-0c6f8a4d3b2e5f7a9 terminated in eu-west-1b"
        );
        assert_eq!(field(&ok, "Capacity"), Some("4 -> 3"));
        let failed = format(
            &sample("autoscaling_terminate-unsuccessful.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(failed.severity, Severity::Error);
        assert!(
            failed
                .title
                .starts_with("ASG web-prod: termination of i-0c6f8a4d3b2e5f7a9 failed")
        );
    }

    #[test]
    fn lifecycle_actions_name_hook_and_transition() {
        let n = format(
            &sample("autoscaling_lifecycle-launch.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(
            n.title,
            "ASG web-prod: instance i-0d7a9b5e4c3f6a8b0 waiting on launch hook warm-up"
        );
        assert_eq!(
            field(&n, "Transition"),
            Some("autoscaling:EC2_INSTANCE_LAUNCHING")
        );
        let t = format(
            &sample("autoscaling_lifecycle-terminate.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert!(
            t.title
                .contains("waiting on terminate hook drain-connections"),
            "{}",
            t.title
        );
        assert!(!t.body().contains("LifecycleActionToken"));
    }

    #[test]
    fn instance_refresh_severity_follows_its_outcome() {
        for (file, severity, words) in [
            (
                "autoscaling_refresh-started.json",
                Severity::Info,
                "started",
            ),
            (
                "autoscaling_refresh-succeeded.json",
                Severity::Info,
                "succeeded",
            ),
            ("autoscaling_refresh-failed.json", Severity::Error, "failed"),
            (
                "autoscaling_refresh-cancelled.json",
                Severity::Warning,
                "was cancelled",
            ),
            (
                "autoscaling_refresh-checkpoint-reached.json",
                Severity::Info,
                "reached a checkpoint",
            ),
            (
                "autoscaling_refresh-rollback-started.json",
                Severity::Warning,
                "is rolling back",
            ),
            (
                "autoscaling_refresh-rollback-succeeded.json",
                Severity::Warning,
                "was rolled back",
            ),
            (
                "autoscaling_refresh-rollback-failed.json",
                Severity::Error,
                "rollback failed",
            ),
            (
                "autoscaling_refresh-started-baking.json",
                Severity::Info,
                "started baking",
            ),
        ] {
            let n = format(&sample(file), "p", &Redactor::default()).notification;
            assert_eq!(n.severity, severity, "{file}");
            assert_eq!(
                n.title,
                format!("ASG web-prod: instance refresh {words}"),
                "{file}"
            );
            assert_eq!(
                field(&n, "Instance refresh"),
                Some("08b91cf7-8fa6-48af-b6a6-d227f40f1b9b")
            );
        }
    }

    #[test]
    fn capacity_is_read_from_the_cause() {
        assert_eq!(
            capacity_change("shrinking the capacity from 10 to 9."),
            Some("10 -> 9".into())
        );
        assert_eq!(capacity_change("no numbers here"), None);
    }
}
