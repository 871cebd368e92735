# Production's cross-region copy, checked with mock providers (see
# tests/environment.tftest.hcl for how to run it).

mock_provider "aws" {
  source = "../../tests/mocks"
}

mock_provider "aws" {
  alias  = "copy"
  source = "../../tests/mocks"
}

override_resource {
  target = module.stack.module.backup_copy_vault[0].aws_backup_vault.this
  values = { arn = "arn:aws:backup:eu-west-1:123456789012:backup-vault:ops-production-copy" }
}

variables {
  certificate_arn = "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
}

run "every_rule_copies_to_the_vault_in_the_copy_region_as_long_as_it_keeps" {
  command = apply

  assert {
    condition     = toset(keys(module.stack.backup_rules)) == toset(["daily", "weekly", "monthly"])
    error_message = "Production backs up daily, weekly and monthly, not ${jsonencode(keys(module.stack.backup_rules))}."
  }

  assert {
    condition = alltrue([
      for r in values(module.stack.backup_rules) : r.copies_to == { (module.stack.backup_copy_vault_arn) = r.retention_days }
    ])
    error_message = "Every rule must copy to the copy vault, kept as long as the rule keeps its own: ${jsonencode(module.stack.backup_rules)}."
  }

  assert {
    condition     = var.backup_copy_region != var.region
    error_message = "The copy region must not be the backups' own region."
  }
}
