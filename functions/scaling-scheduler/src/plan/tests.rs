use super::*;
use crate::schedule::ScheduleSpec;
use serde_json::json;

fn schedules() -> BTreeMap<String, Schedule> {
    let spec: ScheduleSpec = serde_json::from_value(json!({
        "timezone": "UTC",
        "periods": [{"days": "mon-fri", "start": "08:00", "stop": "18:00"}]
    }))
    .expect("spec");
    BTreeMap::from([(
        "office".to_owned(),
        Schedule::parse("office", &spec).expect("valid"),
    )])
}

const WORK: &str = "2026-11-23T10:00:00Z";
const NIGHT: &str = "2026-11-23T22:00:00Z";

fn at(s: &str) -> Timestamp {
    s.parse().expect("ts")
}

fn cap(desired: i32, min: i32, max: i32) -> Capacity {
    Capacity {
        desired,
        min: Some(min),
        max: Some(max),
    }
}

fn target(observed: Observed) -> Target {
    Target {
        kind: Kind::EcsService,
        id: "ecs/c/web".into(),
        schedule: "office".into(),
        override_tag: None,
        observed,
        ineligible: None,
        limits: Limits::default(),
    }
}

fn scalable(current: Capacity, saved: Option<Capacity>) -> Target {
    target(Observed::Scalable { current, saved })
}

fn decide_at(t: &Target, when: &str) -> Decision {
    decide(t, &schedules(), at(when), None, &Fallback::default(), None)
}

#[test]
fn off_hours_scale_down_saves_the_current_capacity() {
    let d = decide_at(&scalable(cap(3, 2, 6), None), NIGHT);
    assert_eq!(d.desired, Some(State::Stopped));
    assert_eq!(
        d.action,
        Some(Action::ScaleDown {
            save: cap(3, 2, 6),
            to: cap(0, 0, 0)
        })
    );
    assert_eq!(d.because, "schedule office");
}

#[test]
fn on_hours_restore_exactly_what_was_saved() {
    let d = decide_at(&scalable(cap(0, 0, 0), Some(cap(3, 2, 6))), WORK);
    assert_eq!(
        d.action,
        Some(Action::ScaleUp {
            to: cap(3, 2, 6),
            from_fallback: false
        })
    );
}

#[test]
fn nothing_to_do_when_already_in_the_desired_state() {
    assert_eq!(
        decide_at(&scalable(cap(0, 0, 0), Some(cap(3, 2, 6))), NIGHT).action,
        None
    );
    assert_eq!(decide_at(&scalable(cap(3, 2, 6), None), WORK).action, None);
    // An autoscaler moved the count within the restored bounds: not ours to undo.
    assert_eq!(
        decide_at(&scalable(cap(5, 2, 6), Some(cap(3, 2, 6))), WORK).action,
        Some(Action::ForgetSaved)
    );
}

#[test]
fn an_interrupted_scale_down_keeps_the_first_saved_capacity() {
    // Bounds already at zero, count not yet: the saved values are the truth.
    let d = decide_at(&scalable(cap(3, 0, 0), Some(cap(3, 2, 6))), NIGHT);
    assert_eq!(
        d.action,
        Some(Action::ScaleDown {
            save: cap(3, 2, 6),
            to: cap(0, 0, 0)
        })
    );
}

#[test]
fn a_second_scale_down_keeps_what_the_first_saved() {
    // Someone set a stopped service without scalable target to 1 at night.
    let one = Capacity {
        desired: 1,
        min: None,
        max: None,
    };
    let three = Capacity { desired: 3, ..one };
    let d = decide_at(&scalable(one, Some(three)), NIGHT);
    assert_eq!(
        d.action,
        Some(Action::ScaleDown {
            save: three,
            to: one.zeroed()
        })
    );
    // The same with bounds that are not (yet) zero.
    let d = decide_at(&scalable(cap(1, 1, 2), Some(cap(3, 2, 6))), NIGHT);
    assert_eq!(
        d.action,
        Some(Action::ScaleDown {
            save: cap(3, 2, 6),
            to: cap(0, 0, 0)
        })
    );
}

#[test]
fn a_direction_that_cannot_take_effect_is_skipped_and_a_partial_one_says_so() {
    let mut t = scalable(cap(2, 1, 4), None);
    t.kind = Kind::AutoscalingGroup;
    t.limits.down_blocked = Some("its Terminate process is suspended".into());
    let d = decide_at(&t, NIGHT);
    assert_eq!(d.action, None, "nothing is saved or lowered");
    assert_eq!(
        d.skip.as_deref(),
        Some("its Terminate process is suspended")
    );
    // Blocked down does not block up.
    let mut down = scalable(cap(0, 0, 0), Some(cap(2, 1, 4)));
    down.limits = t.limits.clone();
    assert!(matches!(
        decide_at(&down, WORK).action,
        Some(Action::ScaleUp { .. })
    ));
    let mut protected = scalable(cap(2, 1, 4), None);
    protected.limits.down_partial = Some("1 of 2 instances is protected".into());
    let d = decide_at(&protected, NIGHT);
    assert!(matches!(d.action, Some(Action::ScaleDown { .. })));
    assert_eq!(d.caveat.as_deref(), Some("1 of 2 instances is protected"));
}

#[test]
fn an_interrupted_scale_up_is_finished() {
    let d = decide_at(&scalable(cap(0, 2, 6), Some(cap(3, 2, 6))), WORK);
    assert_eq!(
        d.action,
        Some(Action::ScaleUp {
            to: cap(3, 2, 6),
            from_fallback: false
        })
    );
}

#[test]
fn zero_with_nothing_saved_uses_the_fallback_and_says_so() {
    let t = scalable(
        Capacity {
            desired: 0,
            min: None,
            max: None,
        },
        None,
    );
    let none = decide_at(&t, WORK);
    assert_eq!(none.action, None);
    assert!(
        none.skip
            .as_deref()
            .is_some_and(|s| s.contains("no fallback"))
    );
    let fallback = Fallback {
        ecs_service: Some(Capacity {
            desired: 1,
            min: None,
            max: None,
        }),
        autoscaling_group: None,
    };
    let d = decide(&t, &schedules(), at(WORK), None, &fallback, None);
    assert_eq!(
        d.action,
        Some(Action::ScaleUp {
            to: Capacity {
                desired: 1,
                min: None,
                max: None
            },
            from_fallback: true
        })
    );
    assert!(
        d.action
            .as_ref()
            .is_some_and(|a| a.to_string().contains("fallback"))
    );
}

#[test]
fn overrides_win_until_they_expire() {
    let mut t = scalable(cap(3, 2, 6), None);
    t.override_tag = Some("on-until=2026-11-23T23:00Z".into());
    let d = decide_at(&t, NIGHT);
    assert_eq!((d.desired, d.action), (Some(State::Running), None));
    assert!(d.because.starts_with("override"));

    t.override_tag = Some("on-until=2026-11-23T21:00Z".into());
    let d = decide_at(&t, NIGHT);
    assert_eq!(d.desired, Some(State::Stopped));
    assert!(d.because.contains("has expired"), "{}", d.because);

    t.override_tag = Some("off".into());
    assert_eq!(decide_at(&t, WORK).desired, Some(State::Stopped));

    t.override_tag = Some("sometimes".into());
    let d = decide_at(&t, WORK);
    assert_eq!(d.desired, Some(State::Running));
    assert!(d.because.contains("ignored"), "{}", d.because);
}

#[test]
fn apply_command_replaces_the_schedule_but_not_an_override() {
    let t = scalable(cap(3, 2, 6), None);
    let d = decide(
        &t,
        &schedules(),
        at(WORK),
        Some(State::Stopped),
        &Fallback::default(),
        None,
    );
    assert_eq!(d.desired, Some(State::Stopped));
    let mut pinned = t.clone();
    pinned.override_tag = Some("on".into());
    let d = decide(
        &pinned,
        &schedules(),
        at(WORK),
        Some(State::Stopped),
        &Fallback::default(),
        None,
    );
    assert_eq!(d.desired, Some(State::Running));
}

#[test]
fn databases_stop_and_start_only_from_steady_states() {
    let db = |status: &str| {
        let mut t = target(Observed::Database {
            status: status.into(),
            maintenance_window: None,
        });
        t.kind = Kind::RdsInstance;
        t
    };
    assert_eq!(
        decide_at(&db("available"), NIGHT).action,
        Some(Action::Stop)
    );
    assert_eq!(decide_at(&db("stopped"), WORK).action, Some(Action::Start));
    assert_eq!(decide_at(&db("stopped"), NIGHT).action, None);
    let busy = decide_at(&db("backing-up"), NIGHT);
    assert_eq!(busy.action, None);
    assert!(
        busy.skip
            .as_deref()
            .is_some_and(|s| s.contains("backing-up"))
    );
}

fn instance(state: &str, hibernation: bool) -> Target {
    let mut t = target(Observed::Instance {
        state: state.into(),
        hibernation,
    });
    t.kind = Kind::Ec2Instance;
    t.id = "ec2/i-0abc".into();
    t
}

#[test]
fn instances_stop_and_start_only_from_running_and_stopped() {
    assert_eq!(
        decide_at(&instance("running", false), NIGHT).action,
        Some(Action::Stop)
    );
    assert_eq!(
        decide_at(&instance("stopped", false), WORK).action,
        Some(Action::Start)
    );
    assert_eq!(decide_at(&instance("running", false), WORK).action, None);
    assert_eq!(decide_at(&instance("stopped", true), NIGHT).action, None);
    for moving in ["pending", "stopping"] {
        let d = decide_at(&instance(moving, false), NIGHT);
        assert_eq!(d.action, None, "{moving}");
        assert_eq!(
            d.skip,
            Some(format!(
                "in state {moving}: cannot be stopped now; the next reconcile acts"
            ))
        );
    }
    // A database's running status is not an instance's.
    assert_eq!(decide_at(&instance("available", false), NIGHT).action, None);
}

#[test]
fn instances_hibernate_where_the_schedule_asks_and_launch_enabled_it() {
    let spec: ScheduleSpec = serde_json::from_value(json!({
        "timezone": "UTC",
        "hibernate": true,
        "periods": [{"days": "mon-fri", "start": "08:00", "stop": "18:00"}]
    }))
    .expect("spec");
    let hibernating = BTreeMap::from([(
        "office".to_owned(),
        Schedule::parse("office", &spec).expect("valid"),
    )]);
    let decide_with = |t: &Target, when: &str| {
        decide(t, &hibernating, at(when), None, &Fallback::default(), None)
    };
    let enabled = decide_with(&instance("running", true), NIGHT);
    assert_eq!(enabled.action, Some(Action::Hibernate));
    assert_eq!(enabled.caveat, None);
    let not_enabled = decide_with(&instance("running", false), NIGHT);
    assert_eq!(not_enabled.action, Some(Action::Stop));
    assert!(
        not_enabled
            .caveat
            .is_some_and(|c| c.contains("hibernation was not enabled")),
    );
    assert_eq!(
        decide_with(&instance("stopped", true), WORK).action,
        Some(Action::Start),
        "a hibernated instance resumes with a start"
    );
    // The schedule not asking, an instance able to hibernate is stopped.
    assert_eq!(
        decide_at(&instance("running", true), NIGHT).action,
        Some(Action::Stop)
    );
    // An apply command stopping the schedule's targets hibernates too.
    assert_eq!(
        decide(
            &instance("running", true),
            &hibernating,
            at(WORK),
            Some(State::Stopped),
            &Fallback::default(),
            None
        )
        .action,
        Some(Action::Hibernate)
    );
}

#[test]
fn ineligible_targets_are_skipped_with_the_reason() {
    let mut t = target(Observed::Database {
        status: "available".into(),
        maintenance_window: None,
    });
    t.ineligible = Some("read replica: stop its source instead".into());
    assert_eq!(
        decide_at(&t, NIGHT).skip.as_deref(),
        Some("read replica: stop its source instead")
    );
}

#[test]
fn an_unknown_schedule_or_a_malformed_override_is_a_problem_to_fix() {
    let mut t = scalable(cap(0, 0, 0), Some(cap(3, 2, 6)));
    t.schedule = "office-hours-v1".into();
    let d = decide_at(&t, WORK);
    assert_eq!(d.action, None);
    assert_eq!(
        d.problems,
        [
            "unknown schedule \"office-hours-v1\": no schedule of that name is configured \
          (configured: office), so the schedule cannot act on it; fix its tag or the \
          schedules document"
        ]
    );
    let mut t = scalable(cap(3, 2, 6), None);
    t.override_tag = Some("of-until=2026-11-24T08:00Z".into());
    let d = decide_at(&t, NIGHT);
    assert!(
        matches!(d.action, Some(Action::ScaleDown { .. })),
        "the schedule still acts"
    );
    assert_eq!(d.problems.len(), 1);
    assert!(
        d.problems[0].contains("override \"of-until="),
        "{:?}",
        d.problems
    );
    t.override_tag = Some("off-until=2026-11-01T00:00Z".into());
    assert!(
        decide_at(&t, NIGHT).problems.is_empty(),
        "expired is not a problem"
    );
}

#[test]
fn a_stopped_database_runs_through_its_maintenance_window_and_its_lead() {
    let db = |status: &str, window: &str| {
        let mut t = target(Observed::Database {
            status: status.into(),
            maintenance_window: Some(window.into()),
        });
        t.kind = Kind::RdsInstance;
        t
    };
    let at_lead = |t: &Target, when: &str, lead: Option<u32>| {
        decide(t, &schedules(), at(when), None, &Fallback::default(), lead)
    };
    // NIGHT is Monday 22:00 UTC: the schedule says stopped.
    let window = "mon:22:30-mon:23:00";
    let early = at_lead(&db("stopped", window), NIGHT, Some(60));
    assert_eq!(early.action, Some(Action::Start), "{early:?}");
    assert!(
        early
            .because
            .contains("maintenance window mon:22:30-mon:23:00"),
        "{}",
        early.because
    );
    assert_eq!(
        at_lead(&db("available", window), "2026-11-23T22:45:00Z", Some(60)).action,
        None
    );
    assert_eq!(
        at_lead(&db("available", window), "2026-11-23T23:00:00Z", Some(60)).action,
        Some(Action::Stop)
    );
    // Off unless the document asks, and never against an override.
    assert_eq!(at_lead(&db("stopped", window), NIGHT, None).action, None);
    let mut pinned = db("available", window);
    pinned.override_tag = Some("off".into());
    assert_eq!(at_lead(&pinned, NIGHT, Some(60)).action, Some(Action::Stop));
    // A window RDS never writes is said, and the schedule still rules.
    let odd = at_lead(&db("available", "whenever"), NIGHT, Some(60));
    assert_eq!(odd.action, Some(Action::Stop));
    assert!(odd.because.contains("is not kept"), "{}", odd.because);
}
