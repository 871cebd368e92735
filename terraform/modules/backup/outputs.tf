output "vault_arn" {
  description = "ARN of the backup vault."
  value       = aws_backup_vault.this.arn
}

output "vault_name" {
  description = "Name of the backup vault."
  value       = aws_backup_vault.this.name
}

output "kms_key_arn" {
  description = "Key of the vault: what recovery points of fully managed resource types (not RDS, Aurora or EBS, which keep their own key) are encrypted with."
  value       = module.key.arn
}

output "plan_id" {
  description = "ID of the backup plan."
  value       = aws_backup_plan.this.id
}

output "restore_testing_plan_name" {
  description = "Name of the restore testing plan (null without one)."
  value       = one(aws_backup_restore_testing_plan.this[*].name)
}
