//! The suite's own scaling-scheduler events.

use shared::Severity;
use shared::events::scheduler::{Outcome, ScheduledAction};

use super::{Ctx, Formatted};

pub(super) fn format(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: ScheduledAction = ctx.detail()?;
    let (severity, words) = match d.outcome {
        Outcome::Done => (Severity::Info, "done"),
        Outcome::Planned => (Severity::Info, "planned (dry run)"),
        Outcome::Skipped => (Severity::Info, "skipped"),
        Outcome::Failed => (Severity::Error, "failed"),
    };
    let title = format!(
        "Schedule {}: {} of {} {words}",
        d.schedule, d.action, d.resource
    );
    let summary = d.reason.clone().unwrap_or_else(|| {
        format!(
            "scaling-scheduler {words} {} on {} {}.",
            d.action, d.resource_type, d.resource
        )
    });
    let n = ctx
        .notification(severity, title)
        .summary(summary)
        .field("Schedule", &d.schedule)
        .field("Resource", &d.resource)
        .field("Type", &d.resource_type)
        .field("Action", &d.action)
        .field(
            "Before",
            d.before.map(|c| c.to_string()).unwrap_or_default(),
        )
        .field("After", d.after.map(|c| c.to_string()).unwrap_or_default())
        .field("Dry run", if d.dry_run { "yes" } else { "" })
        .resource(d.resource.clone());
    Some(Formatted::known(
        format!(
            "{}/{}",
            shared::events::scheduler::ACTION_DETAIL_TYPE,
            words
        ),
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
    fn scheduler_actions_show_before_and_after() {
        let n = format(
            &sample("scheduler_scale-down-done.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(
            n.title,
            "Schedule office-hours: scale-down of ecs/staging/web done"
        );
        assert_eq!(field(&n, "Before"), Some("desired 3, min 2, max 6"));
        assert_eq!(field(&n, "After"), Some("desired 0, min 0, max 0"));
        let failed = format(
            &sample("scheduler_start-failed.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(failed.severity, Severity::Error);
        assert!(
            failed.summary.contains("InvalidDBInstanceState"),
            "{}",
            failed.summary
        );
    }
}
