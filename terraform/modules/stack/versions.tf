terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
      # aws.copy: the region backups are copied to (used only when
      # backup.copy is true; pass the default provider otherwise).
      configuration_aliases = [aws.copy]
    }
  }
}
