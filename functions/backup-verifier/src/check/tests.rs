use super::*;

#[test]
fn an_aws_backup_ebs_snapshot_is_judged_as_its_recovery_point_not_natively() {
    let created = Timestamp::from_second(1_796_400_000).expect("ts");
    let point = Backup {
        source: Source::AwsBackup,
        id: "arn:aws:ec2:us-east-1::snapshot/snap-0abc".into(),
        created,
        completed: true,
        encrypted: true,
        kms_key: None,
        retention_days: Some(1),
        continuous: None,
    };
    let native = Backup {
        source: Source::EbsSnapshot,
        id: "snap-0abc".into(),
        retention_days: None,
        ..point.clone()
    };
    let policy = Policy {
        rpo_hours: 24,
        min_retention_days: 7,
        kms_key: None,
    };
    let now = Timestamp::from_second(1_796_403_600).expect("ts");
    for order in [
        vec![point.clone(), native.clone()],
        vec![native.clone(), point.clone()],
    ] {
        let verdict = judge(&policy, now, &order, &[]);
        assert_eq!(verdict.label(), "VIOLATION", "{verdict:?}");
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("ts")
}

const NOW: &str = "2026-11-23T12:00:00Z";

fn policy() -> Policy {
    Policy {
        rpo_hours: 24,
        min_retention_days: 7,
        kms_key: Some("arn:aws:kms:us-east-1:1:key/good".into()),
    }
}

fn backup(created: &str) -> Backup {
    Backup {
        source: Source::AwsBackup,
        id: format!("rp-{created}"),
        created: at(created),
        completed: true,
        encrypted: true,
        kms_key: Some("arn:aws:kms:us-east-1:1:key/good".into()),
        retention_days: Some(35),
        continuous: None,
    }
}

#[test]
fn a_fresh_encrypted_retained_backup_is_ok() {
    let v = judge(
        &policy(),
        at(NOW),
        &[
            backup("2026-11-22T13:00:00Z"),
            backup("2026-11-21T13:00:00Z"),
        ],
        &[],
    );
    assert_eq!(
        v,
        Verdict::Ok {
            latest: "rp-2026-11-22T13:00:00Z".into(),
            source: Source::AwsBackup,
            age_hours: 23.0
        }
    );
}

#[test]
fn a_stale_backup_violates_the_rpo() {
    let v = judge(&policy(), at(NOW), &[backup("2026-11-22T11:00:00Z")], &[]);
    let Verdict::Violation { reasons, age_hours } = v else {
        panic!("violation")
    };
    assert_eq!(age_hours, Some(25.0));
    assert!(
        reasons[0].contains("25.0 h old: the RPO is 24 h"),
        "{reasons:?}"
    );
}

#[test]
fn only_completed_backups_count_and_none_at_all_is_a_violation() {
    let mut running = backup("2026-11-23T11:00:00Z");
    running.completed = false;
    let v = judge(&policy(), at(NOW), &[running], &[]);
    assert!(
        matches!(&v, Verdict::Violation { reasons, .. } if reasons[0].contains("none of its 1 backups is completed"))
    );
    let none = judge(&policy(), at(NOW), &[], &[]);
    assert!(
        matches!(&none, Verdict::Violation { reasons, age_hours: None } if reasons == &["no backup found"])
    );
}

#[test]
fn encryption_key_and_retention_are_checked() {
    let mut b = backup("2026-11-23T06:00:00Z");
    b.encrypted = false;
    let v = judge(&policy(), at(NOW), &[b.clone()], &[]);
    assert!(
        matches!(&v, Verdict::Violation { reasons, .. } if reasons[0].contains("not encrypted"))
    );
    b.encrypted = true;
    b.kms_key = Some("arn:aws:kms:us-east-1:1:key/other".into());
    b.retention_days = Some(3);
    let Verdict::Violation { reasons, .. } = judge(&policy(), at(NOW), &[b], &[]) else {
        panic!("violation")
    };
    assert_eq!(reasons.len(), 2);
    assert!(
        reasons[0].contains("not the expected key") && reasons[1].contains("kept 3 days"),
        "{reasons:?}"
    );
}

#[test]
fn a_key_named_by_arn_or_by_id_is_the_same_key() {
    let mut b = backup("2026-11-23T06:00:00Z");
    b.kms_key = Some("good".into());
    assert!(matches!(
        judge(&policy(), at(NOW), &[b.clone()], &[]),
        Verdict::Ok { .. }
    ));
    b.kms_key = None;
    assert!(
        matches!(judge(&policy(), at(NOW), &[b], &[]), Verdict::Violation { reasons, .. } if reasons[0].contains("an unknown key"))
    );
}

#[test]
fn a_continuous_backup_is_as_fresh_as_its_latest_restorable_time() {
    // Started ten days ago, restorable to an hour ago.
    let mut b = backup("2026-11-13T06:00:00Z");
    b.continuous = Some(Continuous::Running {
        until: Some(at("2026-11-23T05:00:00Z")),
    });
    assert!(matches!(
        judge(&policy(), at(NOW), &[b.clone()], &[]),
        Verdict::Ok { .. }
    ));
    // Restorable only to two days ago.
    b.continuous = Some(Continuous::Running {
        until: Some(at("2026-11-21T06:00:00Z")),
    });
    let v = judge(&policy(), at(NOW), &[b.clone()], &[]);
    assert!(
        matches!(&v, Verdict::Violation { reasons, .. } if reasons[0].starts_with("the latest restorable time of the continuous backup")),
        "{v:?}"
    );
    // Running, with no restorable time said: current.
    b.continuous = Some(Continuous::Running { until: None });
    assert!(matches!(
        judge(&policy(), at(NOW), &[b.clone()], &[]),
        Verdict::Ok { .. }
    ));
    // Stopped: called out even beside a fresh snapshot.
    let mut stopped = b.clone();
    stopped.completed = false;
    stopped.continuous = Some(Continuous::Stopped {
        message: "retention changed".into(),
    });
    let v = judge(
        &policy(),
        at(NOW),
        &[stopped, backup("2026-11-23T06:00:00Z")],
        &[],
    );
    assert!(
        matches!(&v, Verdict::Violation { reasons, .. } if reasons.len() == 1 && reasons[0].contains("is STOPPED: point-in-time restore no longer advances (retention changed)")),
        "{v:?}"
    );
}

#[test]
fn failed_jobs_in_the_window_are_violations_older_ones_are_not() {
    let job = |created: &str| FailedJob {
        id: "job-1".into(),
        state: "FAILED".into(),
        created: at(created),
        message: "Access denied".into(),
    };
    let v = judge(
        &policy(),
        at(NOW),
        &[backup("2026-11-23T06:00:00Z")],
        &[job("2026-11-23T02:00:00Z")],
    );
    assert!(
        matches!(&v, Verdict::Violation { reasons, .. } if reasons[0].starts_with("backup job job-1 FAILED"))
    );
    let old = judge(
        &policy(),
        at(NOW),
        &[backup("2026-11-23T06:00:00Z")],
        &[job("2026-11-20T02:00:00Z")],
    );
    assert_eq!(old.label(), "OK");
}

#[test]
fn sql_checks_compare_row_counts_and_values() {
    let rows = SqlCheck {
        name: Some("orders exist".into()),
        sql: "SELECT 1".into(),
        min_rows: Some(2),
        equals: None,
    };
    assert_eq!(
        evaluate(
            &rows,
            &Answer {
                rows: 5,
                first: None
            }
        ),
        Ok(())
    );
    assert_eq!(
        evaluate(
            &rows,
            &Answer {
                rows: 1,
                first: None
            }
        ),
        Err("orders exist: 1 rows, at least 2 expected".into())
    );
    let value = SqlCheck {
        name: None,
        sql: "SELECT status".into(),
        min_rows: None,
        equals: Some("ok".into()),
    };
    assert_eq!(
        evaluate(
            &value,
            &Answer {
                rows: 1,
                first: Some("ok".into())
            }
        ),
        Ok(())
    );
    assert_eq!(
        evaluate(
            &value,
            &Answer {
                rows: 0,
                first: None
            }
        ),
        Err("SELECT status: returned nothing, not the \"ok\" expected".into())
    );
    // The value found is data: never in the message.
    let found = evaluate(
        &value,
        &Answer {
            rows: 1,
            first: Some("alice@example.com".into()),
        },
    );
    assert_eq!(
        found,
        Err("SELECT status: returned another value, not the \"ok\" expected".into())
    );
}
