output "vault_arn" {
  description = "ARN of the backup vault."
  value       = module.vault.arn
}

output "vault_name" {
  description = "Name of the backup vault."
  value       = module.vault.name
}

output "kms_key_arn" {
  description = "Key of the vault: what recovery points of fully managed resource types (not RDS, Aurora or EBS, which keep their own key) are encrypted with."
  value       = module.vault.kms_key_arn
}

output "plan_id" {
  description = "ID of the backup plan."
  value       = aws_backup_plan.this.id
}

output "restore_testing_plan_name" {
  description = "Name of the restore testing plan (null without one)."
  value       = one(aws_backup_restore_testing_plan.this[*].name)
}

output "rules" {
  description = "The plan's rules by name: schedule, retention_days and copies_to (the vaults each copies to, with the days the copies are kept)."
  value = {
    for r in aws_backup_plan.this.rule : r.rule_name => {
      schedule       = r.schedule
      retention_days = one(r.lifecycle[*].delete_after)
      copies_to      = { for c in r.copy_action : c.destination_vault_arn => one(c.lifecycle[*].delete_after) }
    }
  }
}
