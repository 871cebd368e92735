# Wiring between the modules of an environment, checked with a mock provider
# (no AWS account). Every environment's `tests` is a link to this directory.
# Run from an environment directory after `make package`:
#   terraform init -backend=false && terraform test
# (make test runs it for every environment, on a copy with stand-in zips).

mock_provider "aws" {
  source = "../../tests/mocks"
}

# Production's copy region (unused, and harmless, elsewhere).
mock_provider "aws" {
  alias  = "copy"
  source = "../../tests/mocks"
}

# Each key its own ARN, so wiring the wrong one shows.
override_resource {
  target = module.stack.module.database.module.key.aws_kms_key.this
  values = { arn = "arn:aws:kms:eu-central-1:123456789012:key/database" }
}
override_resource {
  target = module.stack.module.backup.module.vault.module.key.aws_kms_key.this
  values = { arn = "arn:aws:kms:eu-central-1:123456789012:key/backup-vault" }
}

variables {
  certificate_arn = "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
}

run "backup_verifier_expects_the_key_the_backups_are_encrypted_with" {
  command = apply

  assert {
    condition     = module.stack.function_environments["backup-verifier"]["EXPECTED_KMS_KEY_ARN"] == module.stack.database_kms_key_arn
    error_message = "RDS recovery points keep the instance's key: EXPECTED_KMS_KEY_ARN must be the database's key, not ${module.stack.function_environments["backup-verifier"]["EXPECTED_KMS_KEY_ARN"]}."
  }
}

override_resource {
  target = module.stack.module.notifications.aws_sns_topic.notifications
  values = { arn = "arn:aws:sns:eu-central-1:123456789012:ops-test-notifications" }
}
override_resource {
  target = module.stack.module.notifications.aws_sns_topic.alarms
  values = { arn = "arn:aws:sns:eu-central-1:123456789012:ops-test-alarms" }
}

run "every_function_publishes_to_the_notifications_topic_and_reads_its_own_settings" {
  command = apply

  assert {
    condition = alltrue([
      for env in values(module.stack.function_environments) :
      env["NOTIFY_TOPIC_ARN"] == module.stack.notifications_topic_arn
    ])
    error_message = "Every function must publish to the notifications topic (not the alarm topic)."
  }

  assert {
    condition     = can(jsondecode(module.stack.function_environments["scaling-scheduler"]["SCHEDULES"]).schedules["office-hours"])
    error_message = "scaling-scheduler must get the environment's schedules document with its office-hours schedule."
  }

  assert {
    condition     = contains(keys(jsondecode(module.stack.function_environments["backup-verifier"]["RESTORE_VALIDATIONS"])), module.stack.database_identifier)
    error_message = "backup-verifier must know how to validate restores of the environment's database."
  }
}
