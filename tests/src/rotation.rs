//! Driving a Secrets Manager rotation the way the service does, step by
//! step, against the emulator (whose `RotateSecret` cannot call a function).

use aws_sdk_secretsmanager::Client;

use crate::names::unique;

/// The rotation function the secrets name; the emulator has no such function.
const ROTATION_FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:secret-rotator";

/// A secret in the emulator, with rotation switched on.
#[derive(Debug, Clone)]
pub struct RotatedSecret {
    pub client: Client,
    pub arn: String,
}

/// A fresh version id, shaped as Secrets Manager makes them.
pub fn new_token() -> String {
    let hex: String = crate::names::random_alnum(64)
        .bytes()
        .map(|b| char::from_digit(u32::from(b) % 16, 16).unwrap_or('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

impl RotatedSecret {
    /// Creates a secret holding `value` and turns rotation on. The emulator
    /// answers the rotation request with an error (it cannot find the
    /// function), but records rotation as enabled, which is all a rotation
    /// step checks.
    pub async fn create(
        client: &Client,
        prefix: &str,
        value: &str,
    ) -> anyhow::Result<RotatedSecret> {
        let arn = client
            .create_secret()
            .name(unique(prefix))
            .secret_string(value)
            .send()
            .await?
            .arn
            .ok_or_else(|| anyhow::anyhow!("no arn"))?;
        let _ = client
            .rotate_secret()
            .secret_id(&arn)
            .rotation_lambda_arn(ROTATION_FUNCTION)
            .rotation_rules(
                aws_sdk_secretsmanager::types::RotationRulesType::builder()
                    .automatically_after_days(30)
                    .build(),
            )
            .rotate_immediately(false)
            .send()
            .await;
        let enabled = client
            .describe_secret()
            .secret_id(&arn)
            .send()
            .await?
            .rotation_enabled;
        anyhow::ensure!(
            enabled == Some(true),
            "the emulator did not enable rotation"
        );
        Ok(RotatedSecret {
            client: client.clone(),
            arn,
        })
    }

    /// Starts a rotation as Secrets Manager does before it calls createSecret:
    /// a new version, empty and staged AWSPENDING, whose id is the token every
    /// step's event carries. The emulator's RotateSecret records exactly that,
    /// then answers with an error because it cannot find the function; the
    /// version is checked rather than the answer.
    pub async fn start_rotation(&self) -> anyhow::Result<String> {
        let token = new_token();
        let _ = self
            .client
            .rotate_secret()
            .secret_id(&self.arn)
            .client_request_token(&token)
            // Without a function the emulator moves AWSCURRENT itself.
            .rotation_lambda_arn(ROTATION_FUNCTION)
            .rotate_immediately(true)
            .send()
            .await;
        let staged = self.stages().await?.remove(&token).unwrap_or_default();
        anyhow::ensure!(
            staged.iter().any(|s| s == "AWSPENDING"),
            "the emulator did not stage version {token} AWSPENDING (it has {staged:?})"
        );
        Ok(token)
    }

    /// The value staged AWSCURRENT.
    pub async fn current(&self) -> anyhow::Result<serde_json::Value> {
        self.stage("AWSCURRENT").await
    }

    pub async fn stage(&self, stage: &str) -> anyhow::Result<serde_json::Value> {
        let text = self
            .client
            .get_secret_value()
            .secret_id(&self.arn)
            .version_stage(stage)
            .send()
            .await?
            .secret_string
            .unwrap_or_default();
        Ok(serde_json::from_str(&text)?)
    }

    /// The stages each version holds.
    pub async fn stages(&self) -> anyhow::Result<std::collections::HashMap<String, Vec<String>>> {
        Ok(self
            .client
            .describe_secret()
            .secret_id(&self.arn)
            .send()
            .await?
            .version_ids_to_stages
            .unwrap_or_default())
    }

    /// The rotation event for one step.
    pub fn event(&self, step: &str, token: &str) -> serde_json::Value {
        serde_json::json!({"Step": step, "SecretId": self.arn, "ClientRequestToken": token})
    }
}
