//! What the rotator is invoked with, read once into a [`Trigger`].

use aws_lambda_events::event::secretsmanager::SecretsManagerSecretRotationEvent;
use serde_json::Value;
use shared::input::{self, InputError};

use crate::step::Step;

/// Why the rotator runs: Secrets Manager is the only caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Rotation(Rotation),
}

/// One step of one rotation, as Secrets Manager asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub step: Step,
    /// The secret's ARN (or name, when invoked by hand).
    pub secret_id: String,
    /// The version being rotated to (`ClientRequestToken`).
    pub token: String,
}

impl Trigger {
    /// Reads the payload; anything but a rotation event of a known step is refused.
    pub fn parse(payload: Value) -> Result<Trigger, InputError> {
        input::object(&payload)?;
        let event: SecretsManagerSecretRotationEvent =
            input::typed("Secrets Manager rotation event", payload)?;
        Trigger::from_event(event)
    }

    /// Whether the payload has any field of Secrets Manager's rotation
    /// event: such a payload that cannot be read fails the step (see
    /// `invoke`), where anything else is refused.
    pub fn is_rotation_shaped(payload: &Value) -> bool {
        ["Step", "SecretId", "ClientRequestToken"]
            .iter()
            .any(|field| payload.get(field).is_some())
    }

    pub fn from_event(event: SecretsManagerSecretRotationEvent) -> Result<Trigger, InputError> {
        let step = Step::parse(&event.step).map_err(InputError)?;
        for (field, value) in [
            ("SecretId", &event.secret_id),
            ("ClientRequestToken", &event.client_request_token),
        ] {
            if value.trim().is_empty() {
                return Err(InputError(format!(
                    "the Secrets Manager rotation event has an empty {field}"
                )));
            }
        }
        Ok(Trigger::Rotation(Rotation {
            step,
            secret_id: event.secret_id,
            token: event.client_request_token,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_sample_is_a_rotation_of_its_step() {
        for (file, step) in [
            ("secretsmanager_create-secret.json", Step::Create),
            ("secretsmanager_set-secret.json", Step::Set),
            ("secretsmanager_test-secret.json", Step::Test),
            ("secretsmanager_finish-secret.json", Step::Finish),
        ] {
            let path = format!(
                "{}/../../events/secret-rotator/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            let raw = std::fs::read_to_string(&path).expect("sample");
            let Trigger::Rotation(r) =
                Trigger::parse(serde_json::from_str(&raw).expect("json")).expect(file);
            assert_eq!(r.step, step, "{file}");
            assert!(r.secret_id.starts_with("arn:aws:secretsmanager:"), "{file}");
        }
    }

    #[test]
    fn bad_events_say_what_is_wrong() {
        for (payload, says) in [
            (
                json!({"Step": "rotate", "SecretId": "s", "ClientRequestToken": "t"}),
                "unknown step \"rotate\"",
            ),
            (
                json!({"Step": "createSecret", "SecretId": "s"}),
                "ClientRequestToken",
            ),
            (
                json!({"Step": "createSecret", "SecretId": " ", "ClientRequestToken": "t"}),
                "empty SecretId",
            ),
            (json!(["createSecret"]), "expected a JSON object"),
        ] {
            let err = Trigger::parse(payload).expect_err(says);
            assert!(err.to_string().contains(says), "{err} should say {says}");
        }
    }

    #[test]
    fn a_payload_is_rotation_shaped_by_any_field_of_the_event() {
        assert!(Trigger::is_rotation_shaped(&json!({"Step": "x"})));
        assert!(Trigger::is_rotation_shaped(
            &json!({"ClientRequestToken": 1})
        ));
        assert!(!Trigger::is_rotation_shaped(&json!({"detail-type": "x"})));
        assert!(!Trigger::is_rotation_shaped(&json!(["Step"])));
    }
}
