//! Secrets Manager calls for one step, with errors that name the step.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use shared::aws::AwsFailure;

use crate::error::Error;
use crate::secret::SecretValue;
use crate::step::{Move, Versions};
use crate::{Deps, Step};

/// The rotated secret, as one step sees it.
pub(crate) struct Sm<'a> {
    pub client: &'a Client,
    pub step: &'static str,
    pub id: &'a str,
}

impl<'a> Sm<'a> {
    pub fn new(client: &'a Client, step: Step, id: &'a str) -> Self {
        Sm {
            client,
            step: step.as_str(),
            id,
        }
    }

    pub fn fail<E>(
        &self,
        operation: &str,
        e: &aws_sdk_secretsmanager::error::SdkError<E, HttpResponse>,
    ) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        Error::SecretsManager {
            step: self.step,
            problem: shared::aws::failure(&format!("secretsmanager:{operation}"), e),
        }
    }

    /// The version-to-stages map, after checking that rotation is enabled.
    pub async fn versions_checked(&self) -> Result<Versions, Error> {
        let (enabled, versions) = self.describe().await?;
        if !enabled {
            return Err(Error::Rotation {
                step: self.step,
                problem: format!("rotation is not enabled on secret {}", self.id),
            });
        }
        Ok(versions)
    }

    /// The versions and their stages, whether rotation is on or not: what
    /// finishSecret reads once AWSCURRENT has moved, when the rotation is
    /// complete whatever happens to the setting meanwhile.
    pub async fn versions(&self) -> Result<Versions, Error> {
        Ok(self.describe().await?.1)
    }

    async fn describe(&self) -> Result<(bool, Versions), Error> {
        let d = self
            .client
            .describe_secret()
            .secret_id(self.id)
            .send()
            .await
            .map_err(|e| self.fail("DescribeSecret", &e))?;
        Ok((
            d.rotation_enabled == Some(true),
            d.version_ids_to_stages.unwrap_or_default(),
        ))
    }

    /// A version's value: by stage (and version id when given). `None` when it has none.
    pub async fn value(
        &self,
        stage: &str,
        version: Option<&str>,
    ) -> Result<Option<SecretValue>, Error> {
        let mut request = self
            .client
            .get_secret_value()
            .secret_id(self.id)
            .version_stage(stage);
        if let Some(v) = version {
            request = request.version_id(v);
        }
        match request.send().await {
            Ok(out) => self
                .parse(out.secret_string.as_deref().unwrap_or_default())
                .map(Some),
            Err(e)
                if matches!(
                    e.code(),
                    Some("ResourceNotFoundException" | "InvalidRequestException")
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(self.fail("GetSecretValue", &e)),
        }
    }

    pub async fn required(&self, stage: &str, version: Option<&str>) -> Result<SecretValue, Error> {
        self.value(stage, version)
            .await?
            .ok_or_else(|| Error::Rotation {
                step: self.step,
                problem: format!(
                    "the secret has no {stage} value{}",
                    version
                        .map(|v| format!(" for version {v}"))
                        .unwrap_or_default()
                ),
            })
    }

    pub fn parse(&self, text: &str) -> Result<SecretValue, Error> {
        SecretValue::parse(text).map_err(|problem| self.bad(problem))
    }

    /// Moves a staging label onto and/or off a version.
    pub async fn move_stage(&self, m: &Move) -> Result<(), Error> {
        self.client
            .update_secret_version_stage()
            .secret_id(self.id)
            .version_stage(m.stage)
            .set_move_to_version_id(m.to.clone())
            .set_remove_from_version_id(m.from.clone())
            .send()
            .await
            .map_err(|e| self.fail("UpdateSecretVersionStage", &e))?;
        Ok(())
    }

    pub fn bad(&self, problem: impl std::fmt::Display) -> Error {
        Error::BadSecret {
            step: self.step,
            problem: problem.to_string(),
        }
    }
}

/// A new password or token, without the characters that break connection
/// strings or quoting.
pub async fn random(sm: &Sm<'_>, deps: &Deps) -> Result<String, Error> {
    let c = &deps.config;
    let mut request = sm
        .client
        .get_random_password()
        .password_length(c.password_length)
        .exclude_punctuation(c.exclude_punctuation)
        .include_space(false);
    // Characters that break connection strings or shell and SQL quoting,
    // whatever the punctuation setting.
    let exclude = format!("/@\"'\\`{}", c.exclude_characters);
    request = request.exclude_characters(exclude);
    request
        .send()
        .await
        .map_err(|e| sm.fail("GetRandomPassword", &e))?
        .random_password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::SecretsManager {
            step: sm.step,
            problem: AwsFailure::refused(
                "secretsmanager:GetRandomPassword",
                "the answer held no password",
            ),
        })
}
