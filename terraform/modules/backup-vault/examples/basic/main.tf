# A locked vault in a second region, to copy backups into: the module
# under a provider of that region.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

provider "aws" {
  alias  = "copy"
  region = "eu-west-1"
}

module "copy_vault" {
  source = "../.."
  providers = {
    aws = aws.copy
  }

  name                          = "example-copy"
  vault_lock_min_retention_days = 7
}

output "copy_vault_arn" {
  value = module.copy_vault.arn
}
