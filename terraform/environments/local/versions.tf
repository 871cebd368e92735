terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

# Every service the stack uses, pointed at the emulator. Credentials are
# the emulator's test ones; nothing here can reach AWS.
provider "aws" {
  region                      = var.region
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  # The emulator's errors do not pass with time: fail in seconds, not after
  # the default 25 attempts (a 500 once held an apply for 50 minutes).
  max_retries = 3

  endpoints {
    applicationautoscaling = var.endpoint
    autoscaling            = var.endpoint
    backup                 = var.endpoint
    cloudwatch             = var.endpoint
    ec2                    = var.endpoint
    ecs                    = var.endpoint
    elbv2                  = var.endpoint
    events                 = var.endpoint
    iam                    = var.endpoint
    kms                    = var.endpoint
    lambda                 = var.endpoint
    logs                   = var.endpoint
    rds                    = var.endpoint
    scheduler              = var.endpoint
    secretsmanager         = var.endpoint
    sns                    = var.endpoint
    sqs                    = var.endpoint
    ssm                    = var.endpoint
    sts                    = var.endpoint
  }

  default_tags {
    tags = local.tags
  }
}
