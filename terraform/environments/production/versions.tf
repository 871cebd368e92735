terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # State: local by default. For a team, add an S3 backend here, e.g.
  # backend "s3" { bucket = "...", key = "ops-automation/production.tfstate", region = "...", use_lockfile = true }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# The region backups are copied to: a second copy of every recovery point
# that survives the loss of the first region.
provider "aws" {
  alias  = "copy"
  region = var.backup_copy_region

  default_tags {
    tags = local.tags
  }
}
