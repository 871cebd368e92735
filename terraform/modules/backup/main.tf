data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # Restore testing plan names allow letters, digits and underscores only.
  restore_plan_name = replace("${var.name}_restore_tests", "-", "_")

  # The daily rule and the extra ones. Where two rules' start windows
  # overlap, AWS Backup takes one backup, for the rule with the longer
  # retention.
  rules = merge(var.extra_rules, {
    daily = { schedule = var.schedule, retention_days = var.retention_days }
  })
}

module "vault" {
  source = "../backup-vault"

  name                          = var.name
  force_destroy                 = var.force_destroy
  vault_lock_min_retention_days = var.vault_lock_min_retention_days
  tags                          = var.tags
}

# The vault, its key and its lock were this module's own before the
# backup-vault module: state written then moves instead of being replaced
# (replacing a vault would delete its recovery points).
moved {
  from = module.key
  to   = module.vault.module.key
}

moved {
  from = aws_backup_vault.this
  to   = module.vault.aws_backup_vault.this
}

moved {
  from = aws_backup_vault_lock_configuration.this
  to   = module.vault.aws_backup_vault_lock_configuration.this
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name               = "${var.name}-backup"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset([
    "AWSBackupServiceRolePolicyForBackup",
    "AWSBackupServiceRolePolicyForRestores",
  ])

  role       = aws_iam_role.backup.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/${each.value}"
}

resource "aws_backup_plan" "this" {
  name = var.name
  tags = var.tags

  dynamic "rule" {
    for_each = local.rules
    content {
      rule_name                    = rule.key
      target_vault_name            = module.vault.name
      schedule                     = rule.value.schedule
      schedule_expression_timezone = var.schedule_timezone
      start_window                 = 60
      completion_window            = 360

      lifecycle {
        delete_after = rule.value.retention_days
      }

      recovery_point_tags = var.tags

      # Copies keep the rule's retention, so a copy vault locked like the
      # source one takes them.
      dynamic "copy_action" {
        for_each = var.copy_vault_arn == null ? [] : [var.copy_vault_arn]
        content {
          destination_vault_arn = copy_action.value
          lifecycle {
            delete_after = rule.value.retention_days
          }
        }
      }
    }
  }

  lifecycle {
    # A locked vault fails every backup job whose retention is shorter than
    # its minimum: say so at plan instead of in a failed job each night.
    precondition {
      condition = alltrue([
        for r in values(local.rules) : r.retention_days >= coalesce(var.vault_lock_min_retention_days, 0)
      ])
      error_message = "Every rule's retention (retention_days and those of extra_rules) must be at least vault_lock_min_retention_days (${coalesce(var.vault_lock_min_retention_days, 0)}): the locked vault fails backup jobs that keep their recovery points less long."
    }
  }
}

# Everything tagged with the key, whatever its value.
resource "aws_backup_selection" "tagged" {
  count = var.create_selection ? 1 : 0

  name         = "${var.name}-tagged"
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = ["*"]

  condition {
    string_like {
      key   = "aws:ResourceTag/${var.selection_tag_key}"
      value = "*"
    }
  }
}

# Restore tests: AWS Backup restores the latest RDS recovery point into the
# given subnet group; backup-verifier hears "Restore Job State Change"
# COMPLETED, checks the restored database and reports the result with
# PutRestoreValidationResult within the validation window.
resource "aws_backup_restore_testing_plan" "this" {
  count = var.create_restore_testing ? 1 : 0

  name                         = local.restore_plan_name
  schedule_expression          = var.restore_test_schedule
  schedule_expression_timezone = var.schedule_timezone
  start_window_hours           = 1
  tags                         = var.tags

  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = [module.vault.arn]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = 7
  }
}

resource "aws_backup_restore_testing_selection" "rds" {
  count = var.create_restore_testing ? 1 : 0

  name                      = "rds"
  restore_testing_plan_name = aws_backup_restore_testing_plan.this[0].name
  protected_resource_type   = "RDS"
  iam_role_arn              = aws_iam_role.backup.arn
  validation_window_hours   = 2

  # The API takes `["*"]` together with conditions, but the provider accepts
  # exactly one of the two (5.100 refuses both at validate): conditions alone
  # select every tagged RDS instance, which is what "*" plus them means.
  protected_resource_conditions {
    string_equals {
      key   = "aws:ResourceTag/restore-test"
      value = "true"
    }
  }

  restore_metadata_overrides = {
    dbsubnetgroupname   = var.restore_test_subnet_group
    vpcsecuritygroupids = jsonencode(var.restore_test_security_group_ids)
  }
}
