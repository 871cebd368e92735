//! Amazon ECS: service actions and deployment state changes (stopped
//! tasks: `ecs_task`).

use serde::Deserialize;
use shared::Severity;

use super::{Ctx, Formatted, humanize, last_segment};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ServiceEvent {
    event_type: String,
    event_name: String,
    cluster_arn: String,
    capacity_provider_arns: Vec<String>,
    reason: String,
    deployment_id: String,
    created_at: String,
    updated_at: String,
}

/// `(cluster, service)` from the detail's cluster ARN and the event's
/// service ARN (`...:service/<cluster>/<service>`, which names the cluster
/// too where the detail does not).
fn service_of(ctx: &Ctx<'_>, cluster_arn: &str) -> (String, String) {
    let service_arn = ctx
        .event
        .resources
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|r| r.contains(":service/"))
        .map(String::as_str)
        .unwrap_or_default();
    let path: Vec<&str> = service_arn
        .split_once(":service/")
        .map(|(_, p)| p.split('/').collect())
        .unwrap_or_default();
    let service = path.last().copied().unwrap_or_default().to_owned();
    let cluster = if cluster_arn.is_empty() && path.len() == 2 {
        path[0].to_owned()
    } else {
        last_segment(cluster_arn).to_owned()
    };
    (cluster, service)
}

fn severity_of(event_type: &str) -> Severity {
    match event_type {
        "ERROR" => Severity::Error,
        "WARN" | "WARNING" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// What an ECS service event name means, in words.
fn service_words(event_name: &str) -> String {
    match event_name {
        "SERVICE_STEADY_STATE" => "reached steady state".into(),
        "TASKSET_STEADY_STATE" => "task set reached steady state".into(),
        "CAPACITY_PROVIDER_STEADY_STATE" => "capacity provider reached steady state".into(),
        "SERVICE_DESIRED_COUNT_UPDATED" => "desired count updated by the scheduler".into(),
        "TASKS_STOPPED" => "tasks stopped".into(),
        "SERVICE_TASK_START_IMPAIRED" => "tasks keep failing to start".into(),
        "SERVICE_DISCOVERY_INSTANCE_UNHEALTHY" => "unhealthy task in service discovery".into(),
        "VPC_LATTICE_TARGET_UNHEALTHY" => "unhealthy VPC Lattice target".into(),
        "SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED" => {
            "daemon task violates its placement constraints".into()
        }
        "ECS_OPERATION_THROTTLED" => "ECS API throttled the service scheduler".into(),
        "SERVICE_DISCOVERY_OPERATION_THROTTLED" => "Cloud Map API throttled the scheduler".into(),
        "SERVICE_TASK_PLACEMENT_FAILURE" => "tasks cannot be placed".into(),
        "SERVICE_TASK_CONFIGURATION_FAILURE" => "tasks cannot start: configuration error".into(),
        other => humanize(other),
    }
}

/// What a placement failure reason such as `RESOURCE:MEMORY` means.
fn placement_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "RESOURCE:MEMORY" => "no container instance has enough free memory",
        "RESOURCE:CPU" => "no container instance has enough free CPU",
        "RESOURCE:PORTS" => "the ports the task needs are taken on every instance",
        "RESOURCE:ENI" => "no container instance has a free network interface",
        "RESOURCE:GPU" => "no container instance has a free GPU",
        "AGENT" => "the ECS agent of the candidate instances is disconnected",
        "ATTRIBUTE" => "no instance has the attributes the task requires",
        "LOCATION" => "no instance in the required Availability Zone",
        _ => return None,
    })
}

pub(super) fn service_action(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: ServiceEvent = ctx.detail()?;
    if d.event_name.is_empty() {
        return None;
    }
    let (cluster, service) = service_of(ctx, &d.cluster_arn);
    let who = if service.is_empty() {
        cluster.clone()
    } else {
        service.clone()
    };
    let (severity, words) = if d.event_name.starts_with("SERVICE_DEPLOYMENT_") {
        deployment_words(&d.event_name, &d.event_type, &d.reason)
    } else {
        (severity_of(&d.event_type), service_words(&d.event_name))
    };
    let summary = match placement_reason(&d.reason) {
        Some(meaning) => format!(
            "The scheduler cannot place tasks: {meaning} ({}).",
            d.reason
        ),
        None if d.event_name.starts_with("SERVICE_DEPLOYMENT_") => {
            deployment_summary(&d.event_name, &d.deployment_id, &d.reason)
        }
        None if !d.reason.is_empty() => d.reason.clone(),
        None => format!("ECS reported {} for the service.", d.event_name),
    };
    let n = ctx
        .notification(severity, format!("ECS {who}: {words}"))
        .summary(summary)
        .field("Service", &service)
        .field("Cluster", &cluster)
        .field("Event", &d.event_name)
        .field("Reason", &d.reason)
        .field(
            "Capacity providers",
            d.capacity_provider_arns
                .iter()
                .map(|a| last_segment(a))
                .collect::<Vec<_>>()
                .join(", "),
        )
        .field("Created", &d.created_at)
        .resource(format!("ecs/{cluster}/{service}"));
    let n = with_console(ctx, ctx.finish(n), &cluster, &service);
    Some(Formatted::known(
        format!("ECS Service Action/{}", d.event_name),
        n,
    ))
}

/// The deployment a rollback returns to, from the reason ECS gives a
/// rollback deployment as it starts (documented: "ECS deployment circuit
/// breaker: rolling back to deploymentId ecs-svc/123."). ECS says nothing of
/// a rollback when it completes or in the failed deployment's own event: a
/// completed rollback reads as a plain completion.
fn rolling_back_to(reason: &str) -> Option<&str> {
    let (_, rest) = reason.split_once("rolling back to deployment")?;
    let rest = rest.strip_prefix("Id").unwrap_or(rest);
    let target = rest
        .split_whitespace()
        .next()?
        .trim_end_matches(['.', ',', ';']);
    Some(target).filter(|t| !t.is_empty())
}

/// Severity and words for a deployment event, read from its name and reason
/// the way ECS documents them (the same names come as `ECS Deployment State
/// Change` and as `ECS Service Action`).
fn deployment_words(event_name: &str, event_type: &str, reason: &str) -> (Severity, String) {
    match event_name {
        "SERVICE_DEPLOYMENT_FAILED" => (Severity::Error, "deployment failed".into()),
        "SERVICE_DEPLOYMENT_IN_PROGRESS" => match rolling_back_to(reason) {
            Some(target) => (Severity::Warning, format!("rolling back to {target}")),
            None => (Severity::Info, "deployment in progress".into()),
        },
        "SERVICE_DEPLOYMENT_COMPLETED" => (Severity::Info, "deployment completed".into()),
        _ => (severity_of(event_type), "deployment state changed".into()),
    }
}

/// What a person should know beyond ECS's own reason.
fn deployment_summary(event_name: &str, deployment_id: &str, reason: &str) -> String {
    let said = if reason.is_empty() {
        format!("Deployment {deployment_id}: {}.", humanize(event_name))
    } else {
        reason.to_owned()
    };
    match (event_name, rolling_back_to(reason)) {
        ("SERVICE_DEPLOYMENT_FAILED", _) => format!(
            "{said} The deployment stopped launching tasks; if the service's \
             circuit breaker has rollback on, ECS now rolls back to its last \
             completed deployment (a separate event says so)."
        ),
        ("SERVICE_DEPLOYMENT_IN_PROGRESS", Some(target)) => format!(
            "{said} A deployment failed and ECS is returning the service to \
             deployment {target}; its completion is reported as a plain \
             \"deployment completed\"."
        ),
        _ => said,
    }
}

pub(super) fn deployment(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: ServiceEvent = ctx.detail()?;
    if d.event_name.is_empty() {
        return None;
    }
    let (cluster, service) = service_of(ctx, &d.cluster_arn);
    let (severity, words) = deployment_words(&d.event_name, &d.event_type, &d.reason);
    let n = ctx
        .notification(severity, format!("ECS {service}: {words}"))
        .summary(deployment_summary(
            &d.event_name,
            &d.deployment_id,
            &d.reason,
        ))
        .field("Service", &service)
        .field("Cluster", &cluster)
        .field("Deployment", &d.deployment_id)
        .field(
            "Rolling back to",
            rolling_back_to(&d.reason).unwrap_or_default(),
        )
        .field("Event", &d.event_name)
        .field("Updated", &d.updated_at)
        .resource(format!("ecs/{cluster}/{service}"));
    let n = with_console(ctx, ctx.finish(n), &cluster, &service);
    Some(Formatted::known(
        format!("ECS Deployment State Change/{}", d.event_name),
        n,
    ))
}

pub(super) fn with_console(
    ctx: &Ctx<'_>,
    n: shared::Notification,
    cluster: &str,
    service: &str,
) -> shared::Notification {
    if cluster.is_empty() {
        return n;
    }
    let path = if service.is_empty() {
        format!("ecs/v2/clusters/{cluster}?region={{region}}")
    } else {
        format!("ecs/v2/clusters/{cluster}/services/{service}/events?region={{region}}")
    };
    ctx.with_console(n, &path)
}

#[cfg(test)]
mod tests {
    use super::super::format;
    use super::super::tests::{field, sample};
    use super::*;
    use shared::Redactor;

    #[test]
    fn placement_failure_is_an_error_explaining_the_reason() {
        let f = format(
            &sample("ecs_service-placement-failure.json"),
            "prod",
            &Redactor::default(),
        );
        assert_eq!(f.kind, "ECS Service Action/SERVICE_TASK_PLACEMENT_FAILURE");
        let n = f.notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "ECS checkout: tasks cannot be placed");
        assert!(n.summary.contains("enough free memory"), "{}", n.summary);
        assert_eq!(field(&n, "Cluster"), Some("prod"));
        assert_eq!(field(&n, "Capacity providers"), Some("prod-asg-provider"));
        assert_eq!(n.resource.as_deref(), Some("ecs/prod/checkout"));
    }

    #[test]
    fn steady_state_is_info_and_impaired_start_a_warning() {
        let steady = format(
            &sample("ecs_service-steady-state.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(steady.severity, Severity::Info);
        assert_eq!(steady.title, "ECS checkout: reached steady state");
        let impaired = format(
            &sample("ecs_service-task-start-impaired.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(impaired.severity, Severity::Warning);
        assert_eq!(impaired.title, "ECS checkout: tasks keep failing to start");
    }

    #[test]
    fn deployments_read_by_outcome() {
        // Samples after the four examples in ECS's "service deployment state
        // change events" page.
        for (file, severity, title, deployment) in [
            (
                "ecs_deployment-in-progress.json",
                Severity::Info,
                "ECS checkout: deployment in progress",
                "ecs-svc/4857269112753419630",
            ),
            (
                "ecs_deployment-completed.json",
                Severity::Info,
                "ECS checkout: deployment completed",
                "ecs-svc/4857269112753419630",
            ),
            (
                "ecs_deployment-failed.json",
                Severity::Error,
                "ECS checkout: deployment failed",
                "ecs-svc/4857269112753419630",
            ),
            (
                "ecs_deployment-rollback-in-progress.json",
                Severity::Warning,
                "ECS checkout: rolling back to ecs-svc/1946831023157289632",
                "ecs-svc/7310025948271633904",
            ),
        ] {
            let n = format(&sample(file), "p", &Redactor::default()).notification;
            assert_eq!((n.severity, n.title.as_str()), (severity, title), "{file}");
            assert_eq!(field(&n, "Deployment"), Some(deployment), "{file}");
        }
        let rollback = format(
            &sample("ecs_deployment-rollback-in-progress.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert_eq!(
            field(&rollback, "Rolling back to"),
            Some("ecs-svc/1946831023157289632")
        );
        // The failed deployment's own event does not say it rolls back.
        let failed = format(
            &sample("ecs_deployment-failed.json"),
            "p",
            &Redactor::default(),
        )
        .notification;
        assert!(
            failed
                .summary
                .starts_with("ECS deployment circuit breaker: task failed to start.")
        );
    }

    #[test]
    fn a_rollback_is_read_from_the_reason_ecs_documents() {
        assert_eq!(
            rolling_back_to(
                "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/123."
            ),
            Some("ecs-svc/123")
        );
        assert_eq!(
            rolling_back_to(
                "(service web) (deployment ecs-svc/9) rolling back to deployment ecs-svc/8"
            ),
            Some("ecs-svc/8")
        );
        assert_eq!(
            rolling_back_to("ECS deployment ecs-svc/123 completed."),
            None
        );
        assert_eq!(
            rolling_back_to("ECS deployment circuit breaker: task failed to start."),
            None
        );
        // The same event names as ECS Service Action read alike.
        let (severity, words) = deployment_words(
            "SERVICE_DEPLOYMENT_IN_PROGRESS",
            "INFO",
            "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.",
        );
        assert_eq!(
            (severity, words.as_str()),
            (Severity::Warning, "rolling back to ecs-svc/1")
        );
    }
}
