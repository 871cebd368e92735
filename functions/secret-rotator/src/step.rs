//! The four rotation steps and what each must do, decided from the secret's
//! versions and stages alone (no calls): unit-tested here, acted on in
//! `lib.rs`.

use std::collections::HashMap;
use std::fmt;

pub const CURRENT: &str = "AWSCURRENT";
pub const PENDING: &str = "AWSPENDING";
pub const PREVIOUS: &str = "AWSPREVIOUS";

/// Version id to its staging labels, as DescribeSecret gives them.
pub type Versions = HashMap<String, Vec<String>>;

/// A step of the Secrets Manager rotation protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Create,
    Set,
    Test,
    Finish,
}

impl Step {
    /// The step Secrets Manager names in its event (`createSecret`, ...).
    pub fn parse(name: &str) -> Result<Step, String> {
        match name {
            "createSecret" => Ok(Step::Create),
            "setSecret" => Ok(Step::Set),
            "testSecret" => Ok(Step::Test),
            "finishSecret" => Ok(Step::Finish),
            other => Err(format!(
                "unknown step {other:?}: expected createSecret, setSecret, testSecret or finishSecret"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Create => "createSecret",
            Step::Set => "setSecret",
            Step::Test => "testSecret",
            Step::Finish => "finishSecret",
        }
    }

    /// What the step does, for the dry-run plan.
    pub fn plan(self) -> &'static str {
        match self {
            Step::Create => "create a new value staged AWSPENDING",
            Step::Set => "give the database the pending password",
            Step::Test => "log in with the pending password",
            Step::Finish => "move AWSCURRENT to this version and AWSPREVIOUS to the current one",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a step may act on version `token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precheck {
    /// The version is AWSCURRENT already: the rotation is complete.
    AlreadyCurrent,
    Proceed,
    /// Not the rotation in progress: refuse, saying why.
    Refuse(String),
}

pub fn precheck(step: Step, versions: &Versions, token: &str) -> Precheck {
    match versions.get(token) {
        Some(stages) if has(stages, CURRENT) => Precheck::AlreadyCurrent,
        Some(stages) if !has(stages, PENDING) => Precheck::Refuse(format!(
            "version {token} is not staged AWSPENDING: it is not the rotation in progress"
        )),
        // Secrets Manager stages a rotation's version AWSPENDING before it
        // calls createSecret, so a version it has not recorded is no rotation
        // of its: acting on it would take AWSPENDING off the rotation in
        // progress.
        None => Precheck::Refuse(format!(
            "version {token} of the secret has no stage for rotation: Secrets Manager \
             stages a rotation's version AWSPENDING before it calls {step}, so this event \
             is not for the rotation in progress"
        )),
        Some(_) => Precheck::Proceed,
    }
}

/// The version holding `stage`, if any.
pub fn holder(versions: &Versions, stage: &str) -> Option<String> {
    versions
        .iter()
        .find(|(_, stages)| has(stages, stage))
        .map(|(v, _)| v.clone())
}

/// Versions whose passwords a single user may still have, after AWSCURRENT
/// and AWSPREVIOUS (which the caller reads by stage): every other version
/// but the pending one, so a rotation resumed after a crash still gets in.
/// Sorted, so the order of attempts is the same every time.
pub fn older_versions(versions: &Versions, token: &str) -> Vec<String> {
    let mut older: Vec<String> = versions
        .iter()
        .filter(|(version, stages)| {
            version.as_str() != token && !has(stages, CURRENT) && !has(stages, PREVIOUS)
        })
        .map(|(v, _)| v.clone())
        .collect();
    older.sort();
    older
}

/// A staging-label move: `stage` onto `to` and/or off `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub stage: &'static str,
    pub to: Option<String>,
    pub from: Option<String>,
}

/// What is left to move once AWSCURRENT is on `token` (`after` is read
/// then): AWSPREVIOUS onto the version that was current, where Secrets
/// Manager did not move it itself, and AWSPENDING off the new version.
pub fn after_current_moved(after: &Versions, token: &str, old: Option<&str>) -> Vec<Move> {
    let Some(old) = old else {
        return Vec::new();
    };
    let mut moves = Vec::new();
    let previous = holder(after, PREVIOUS);
    if previous.as_deref() != Some(old) {
        moves.push(Move {
            stage: PREVIOUS,
            to: Some(old.to_owned()),
            from: previous,
        });
    }
    if after.get(token).is_some_and(|s| has(s, PENDING)) {
        moves.push(Move {
            stage: PENDING,
            to: None,
            from: Some(token.to_owned()),
        });
    }
    moves
}

fn has(stages: &[String], stage: &str) -> bool {
    stages.iter().any(|s| s == stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(list: &[(&str, &[&str])]) -> Versions {
        list.iter()
            .map(|(v, s)| ((*v).to_owned(), s.iter().map(|x| (*x).to_owned()).collect()))
            .collect()
    }

    #[test]
    fn steps_parse_by_their_protocol_names_and_nothing_else() {
        for step in [Step::Create, Step::Set, Step::Test, Step::Finish] {
            assert_eq!(Step::parse(step.as_str()), Ok(step));
        }
        let err = Step::parse("finish").expect_err("not a step");
        assert!(
            err.contains("\"finish\"") && err.contains("finishSecret"),
            "{err}"
        );
        assert!(Step::parse("").is_err());
    }

    #[test]
    fn a_version_already_current_means_the_rotation_is_complete() {
        let v = versions(&[("t1", &[CURRENT, PENDING])]);
        for step in [Step::Create, Step::Set, Step::Test, Step::Finish] {
            assert_eq!(precheck(step, &v, "t1"), Precheck::AlreadyCurrent);
        }
    }

    #[test]
    fn only_the_pending_version_may_be_rotated() {
        let v = versions(&[
            ("old", &[CURRENT]),
            ("t1", &[PENDING]),
            ("stale", &[PREVIOUS]),
        ]);
        assert_eq!(precheck(Step::Set, &v, "t1"), Precheck::Proceed);
        assert!(
            matches!(precheck(Step::Set, &v, "stale"), Precheck::Refuse(why) if why.contains("not staged AWSPENDING"))
        );
        assert!(
            matches!(precheck(Step::Test, &v, "unknown"), Precheck::Refuse(why) if why.contains("no stage"))
        );
        // createSecret may come before the version is recorded.
        assert!(
            matches!(precheck(Step::Create, &v, "unknown"), Precheck::Refuse(why) if why.contains("no stage")),
            "createSecret too refuses a version Secrets Manager never staged"
        );
    }

    #[test]
    fn older_versions_skip_the_pending_current_and_previous_ones_in_a_stable_order() {
        let v = versions(&[
            ("cur", &[CURRENT]),
            ("prev", &[PREVIOUS]),
            ("t1", &[PENDING]),
            ("b-old", &[]),
            ("a-old", &[]),
        ]);
        assert_eq!(older_versions(&v, "t1"), vec!["a-old", "b-old"]);
    }

    #[test]
    fn after_current_moves_previous_follows_the_old_version_and_pending_goes() {
        // Secrets Manager moved nothing else.
        let after = versions(&[
            ("t1", &[CURRENT, PENDING]),
            ("old", &[]),
            ("older", &[PREVIOUS]),
        ]);
        assert_eq!(
            after_current_moved(&after, "t1", Some("old")),
            vec![
                Move {
                    stage: PREVIOUS,
                    to: Some("old".into()),
                    from: Some("older".into())
                },
                Move {
                    stage: PENDING,
                    to: None,
                    from: Some("t1".into())
                },
            ]
        );
        // Secrets Manager moved both itself: nothing left.
        let after = versions(&[("t1", &[CURRENT]), ("old", &[PREVIOUS])]);
        assert!(after_current_moved(&after, "t1", Some("old")).is_empty());
        // No version was current before (a first rotation): nothing to move.
        assert!(after_current_moved(&after, "t1", None).is_empty());
    }
}
