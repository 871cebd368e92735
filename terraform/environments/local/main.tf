# The stack composed for the local AWS emulator (moto), to prove it applies
# and is wired as meant (make test applies it into a fresh emulator). The same
# composition as staging and production (modules/stack); `emulator = true`
# leaves out what the emulator cannot take, never copies it:
#  - the HTTPS listener (no real ACM certificate here) and the Application
#    Auto Scaling target (the emulator cannot list its tags);
#  - the DLQ's redrive-allow policy and the backup selection (the emulator
#    never reports them back, so the provider waits until it gives up);
#  - the restore testing plan (no restore testing in the emulator).
# The emulator must load AWS managed policies (MOTO_IAM_LOAD_MANAGED_POLICIES=true):
# the modules attach some. It applies on a clean checkout: a function whose
# zip is missing gets placeholder.zip, since the emulator never runs the code.

locals {
  name = "ops-local"
  tags = {
    Project     = "ops-automation"
    Environment = "local"
  }
  # The emulator has no AMI parameters, so any image id stands in.
  ami_id = "ami-12c6146b"
}

module "stack" {
  source = "../../modules/stack"
  providers = {
    aws      = aws
    aws.copy = aws
  }

  name               = local.name
  environment        = "local"
  tags               = local.tags
  timezone           = "Europe/Berlin"
  office_hours       = { start = "07:00", stop = "20:00" }
  certificate_arn    = "arn:aws:acm:${var.region}:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  log_retention_days = 1
  emulator           = true

  network = {
    cidr_block          = "10.60.0.0/16"
    azs                 = ["${var.region}a", "${var.region}b"]
    single_nat_gateway  = true
    interface_endpoints = ["secretsmanager", "sns"]
  }

  # ECS on EC2: the capacity provider's Auto Scaling group of Graviton
  # instances, which the scheduler must leave to ECS.
  service = {
    capacity                  = "ec2"
    container_instance_ami_id = local.ami_id
    container_insights        = "disabled"
    deletion_protection       = false
    scheduled                 = true
  }

  # A web tier on EC2, scaled to zero off-hours by scaling-scheduler.
  web = {
    ami_id     = local.ami_id
    min_size   = 1
    max_size   = 2
    cpu_target = 60
    scheduled  = true
  }

  database = {
    performance_insights  = false
    multi_az              = false
    deletion_protection   = false
    backup_retention_days = 1
    scheduled             = true
  }

  # Copies go to a second vault; the emulator is one endpoint, so the copy
  # provider is the default one (production's is another region).
  backup = {
    retention_days = 1
    force_destroy  = true
    copy           = true
    extra_rules    = { weekly = { schedule = "cron(0 4 ? * SUN *)", retention_days = 7 } }
  }

  functions = {
    artifacts_dir       = abspath("${path.module}/${var.artifacts_dir}")
    placeholder_zip     = abspath("${path.module}/placeholder.zip")
    architecture        = "x86_64"
    reserve_concurrency = false
    tracing_mode        = "PassThrough"
  }
}
