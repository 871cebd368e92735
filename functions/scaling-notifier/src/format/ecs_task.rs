//! Amazon ECS task state changes: a stopped task worth knowing about, with
//! its cause read the way ECS reports it (stop code, reasons, exit codes)
//! and which container is known to be essential.

use serde::Deserialize;
use shared::Severity;

use super::ecs::with_console;
use super::{Ctx, Formatted, last_segment};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Task {
    cluster_arn: String,
    task_arn: String,
    task_definition_arn: String,
    group: String,
    last_status: String,
    stop_code: String,
    stopped_reason: String,
    started_by: String,
    stopped_at: String,
    availability_zone: String,
    launch_type: String,
    containers: Vec<Container>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Container {
    name: String,
    exit_code: Option<i64>,
    reason: String,
    last_status: String,
}

pub(super) fn task_state(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: Task = ctx.detail()?;
    if d.task_arn.is_empty() {
        return None;
    }
    let cluster = last_segment(&d.cluster_arn).to_owned();
    let task_id = last_segment(&d.task_arn).to_owned();
    let service = d
        .group
        .strip_prefix("service:")
        .unwrap_or_default()
        .to_owned();
    let who = if service.is_empty() {
        d.group.clone()
    } else {
        service.clone()
    };

    let stopped = d.stopped_reason.to_ascii_lowercase();
    let essential = Essential::of(&d.containers, ctx);
    let verdict: Option<(Severity, String)> = if d.last_status != "STOPPED" {
        None
    } else if let Some(c) = essential.out_of_memory(&d.containers) {
        Some((
            Severity::Error,
            format!("container {} ran out of memory", c.name),
        ))
    } else if stopped.contains("health check") {
        Some((Severity::Warning, "task failed its health checks".into()))
    } else if d.stop_code == "TaskFailedToStart" {
        Some((Severity::Error, "task failed to start".into()))
    } else if d.stop_code == "EssentialContainerExited" {
        Some(essential.exited(&d.containers))
    } else if matches!(
        d.stop_code.as_str(),
        "SpotInterruption" | "TerminationNotice"
    ) {
        Some((Severity::Warning, "task stopped: capacity reclaimed".into()))
    } else {
        None
    };

    let containers = d
        .containers
        .iter()
        .map(|c| {
            let mut s = c.name.clone();
            if let Some(code) = c.exit_code {
                s.push_str(&format!(" exit {code}"));
            } else if !c.last_status.is_empty() {
                s.push_str(&format!(" {}", c.last_status.to_ascii_lowercase()));
            }
            if !c.reason.is_empty() {
                s.push_str(&format!(" ({})", c.reason));
            }
            match essential.is(c) {
                Some(true) if d.containers.len() > 1 => s.push_str(", essential"),
                Some(false) => s.push_str(", not essential"),
                _ => {}
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut summary = if d.stopped_reason.is_empty() {
        format!("Task {task_id} is {}.", d.last_status.to_ascii_lowercase())
    } else {
        d.stopped_reason.clone()
    };
    if d.stop_code == "EssentialContainerExited"
        && let Some(unknown) = essential.unknown_because()
    {
        summary.push_str(&format!(
            " Which container is essential is not in ECS's event and {unknown}; \
             the containers' exits, in the event's order: {containers}."
        ));
    }
    let title_words = verdict
        .as_ref()
        .map(|(_, w)| w.clone())
        .unwrap_or_else(|| format!("task {}", d.last_status.to_ascii_lowercase()));
    let severity = verdict.as_ref().map(|(s, _)| *s).unwrap_or(Severity::Info);
    let n = ctx
        .notification(severity, format!("ECS {who}: {title_words}"))
        .summary(summary)
        .field("Service", &service)
        .field(
            "Group",
            if service.is_empty() {
                d.group.as_str()
            } else {
                ""
            },
        )
        .field("Cluster", &cluster)
        .field("Task", &task_id)
        .field("Task definition", last_segment(&d.task_definition_arn))
        .field("Stop code", &d.stop_code)
        .field("Containers", containers)
        .field("Started by", &d.started_by)
        .field("Launch type", &d.launch_type)
        .field("Availability Zone", &d.availability_zone)
        .field("Stopped at", &d.stopped_at)
        .resource(format!("ecs/{cluster}/{who}"));
    let n = with_console(ctx, ctx.finish(n), &cluster, &service);
    let kind = format!("ECS Task State Change/{}", d.last_status);
    let formatted = Formatted::known(kind, n);
    Some(match verdict {
        Some(_) => formatted,
        None if d.last_status != "STOPPED" => formatted.routine(format!(
            "task is {}: only stopped tasks are reported",
            d.last_status
        )),
        None => formatted.routine(format!(
            "routine stop ({}: {})",
            if d.stop_code.is_empty() {
                "no stop code"
            } else {
                &d.stop_code
            },
            d.stopped_reason
        )),
    })
}

/// What is known of which containers are essential: a task of one
/// container has it essential (a task needs one); otherwise only the task
/// definition, looked up by the handler, says.
struct Essential<'a> {
    names: Option<&'a [String]>,
    single: bool,
    unknown: String,
}

impl<'a> Essential<'a> {
    fn of(containers: &[Container], ctx: &'a Ctx<'_>) -> Self {
        let (names, unknown) = match &ctx.lookups.essential {
            Some(Ok(names)) => (Some(names.as_slice()), String::new()),
            Some(Err(why)) => (
                None,
                format!("the task definition could not be read ({why})"),
            ),
            None => (None, "the task definition was not read".to_owned()),
        };
        Self {
            names,
            single: containers.len() == 1,
            unknown,
        }
    }

    /// Whether `c` is essential, when known.
    fn is(&self, c: &Container) -> Option<bool> {
        if self.single {
            return Some(true);
        }
        self.names.map(|names| names.contains(&c.name))
    }

    /// Why essential containers are not known, if they are not.
    fn unknown_because(&self) -> Option<&str> {
        (!self.single && self.names.is_none()).then_some(self.unknown.as_str())
    }

    /// The container that ran out of memory, an essential one first.
    fn out_of_memory<'c>(&self, containers: &'c [Container]) -> Option<&'c Container> {
        let oom = |c: &&Container| c.reason.contains("OutOfMemory");
        containers
            .iter()
            .filter(oom)
            .find(|c| self.is(c) == Some(true))
            .or_else(|| containers.iter().find(oom))
    }

    /// The verdict for `EssentialContainerExited`: the essential container
    /// that exited (non-zero first), named only when known to be essential.
    /// A sidecar ECS stopped after the essential one failed is not blamed.
    fn exited(&self, containers: &[Container]) -> (Severity, String) {
        let essential: Vec<&Container> = containers
            .iter()
            .filter(|c| c.exit_code.is_some() && self.is(c) == Some(true))
            .collect();
        let failed = essential.iter().find(|c| c.exit_code != Some(0));
        match (failed, essential.first()) {
            (Some(c), _) => (
                Severity::Error,
                format!(
                    "essential container {} exited with code {}",
                    c.name,
                    c.exit_code.unwrap_or_default()
                ),
            ),
            (None, Some(c)) => (
                Severity::Warning,
                format!("essential container {} exited", c.name),
            ),
            (None, None)
                if containers
                    .iter()
                    .any(|c| c.exit_code.is_some_and(|e| e != 0)) =>
            {
                (Severity::Error, "essential container exited".into())
            }
            (None, None) => (Severity::Warning, "essential container exited".into()),
        }
    }
}

/// The task definition to read for a task event's detail: see
/// [`super::task_definition_to_read`].
pub(super) fn task_definition_to_read(detail: &serde_json::Value) -> Option<String> {
    let d: Task = serde_json::from_value(detail.clone()).ok()?;
    (d.last_status == "STOPPED"
        && d.stop_code == "EssentialContainerExited"
        && d.containers.len() > 1
        && !d.task_definition_arn.is_empty())
    .then_some(d.task_definition_arn)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{field, sample};
    use super::super::{Lookups, format, format_with};
    use super::*;
    use shared::Redactor;

    #[test]
    fn stopped_tasks_worth_knowing_are_reported_with_their_cause() {
        let oom = format(
            &sample("ecs_task-stopped-oom.json"),
            "p",
            &Redactor::default(),
        );
        assert!(oom.routine.is_none());
        assert_eq!(oom.notification.severity, Severity::Error);
        assert_eq!(
            oom.notification.title,
            "ECS checkout: container app ran out of memory"
        );
        assert!(field(&oom.notification, "Containers").is_some_and(|c| c.contains("exit 137")));

        let exited = format(
            &sample("ecs_task-stopped-essential-exit.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(exited.severity, Severity::Error);
        assert_eq!(
            exited.title,
            "ECS checkout: essential container app exited with code 1"
        );

        let health = format(
            &sample("ecs_task-stopped-health-check.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(health.severity, Severity::Warning);
        assert_eq!(health.title, "ECS checkout: task failed its health checks");
    }

    #[test]
    fn a_sidecar_stopped_after_the_essential_container_is_not_blamed() {
        let event = sample("ecs_task-stopped-sidecar-killed.json");
        assert_eq!(
            super::super::task_definition_to_read(&event).as_deref(),
            Some("arn:aws:ecs:eu-west-1:123456789012:task-definition/checkout-mesh:7")
        );
        // The task definition says app is essential, envoy is not.
        let known = Lookups {
            essential: Some(Ok(vec!["app".to_owned()])),
        };
        let n = format_with(&event, "p", &Redactor::default(), &known).notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(
            n.title,
            "ECS checkout: essential container app exited with code 1"
        );
        assert_eq!(
            field(&n, "Containers"),
            Some("envoy exit 137, not essential; app exit 1, essential")
        );

        // Unknown: no container is named, every exit is shown in order.
        let unread = Lookups {
            essential: Some(Err(
                "ecs:DescribeTaskDefinition failed: AccessDeniedException".into(),
            )),
        };
        let n = format_with(&event, "p", &Redactor::default(), &unread).notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "ECS checkout: essential container exited");
        assert!(n.summary.contains("AccessDeniedException"), "{}", n.summary);
        assert!(
            n.summary
                .contains("in the event's order: envoy exit 137; app exit 1"),
            "{}",
            n.summary
        );
        let n = format(&event, "p", &Redactor::default()).notification;
        assert!(
            n.summary.contains("the task definition was not read"),
            "{}",
            n.summary
        );

        // One container: essential by definition, nothing to look up.
        let single = sample("ecs_task-stopped-essential-exit.json");
        assert_eq!(super::super::task_definition_to_read(&single), None);
    }

    #[test]
    fn routine_stops_are_marked_routine_with_the_reason() {
        let f = format(
            &sample("ecs_task-stopped-scale-in.json"),
            "p",
            &Redactor::default(),
        );
        let reason = f.routine.expect("scale-in is routine");
        assert!(reason.contains("ServiceSchedulerInitiated"), "{reason}");
    }
}
