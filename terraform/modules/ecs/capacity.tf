# Where the tasks run. Fargate needs nothing here. Fargate Spot is a
# capacity provider strategy over the cluster's FARGATE and FARGATE_SPOT
# providers. EC2 is an Auto Scaling group of Graviton container instances
# behind a capacity provider with managed scaling (ECS sizes the group to
# the tasks, to zero when there are none) and managed termination
# protection (ECS never lets the group terminate an instance with tasks).
# scaling-scheduler scales the service, never this group: ECS tags it
# AmazonECSManaged and the scheduler leaves such groups to ECS.

locals {
  on_ec2 = var.capacity == "ec2"
  strategy = {
    "fargate"      = []
    "fargate-spot" = [{ provider = "FARGATE", base = var.fargate_base, weight = 0 }, { provider = "FARGATE_SPOT", base = 0, weight = 1 }]
    "ec2"          = [{ provider = "${var.name}-ec2", base = 0, weight = 1 }]
  }[var.capacity]
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = local.on_ec2 ? [aws_ecs_capacity_provider.ec2[0].name] : ["FARGATE", "FARGATE_SPOT"]
}

module "container_instances" {
  source = "../instance-group"
  count  = local.on_ec2 ? 1 : 0

  name                = "${var.name}-ecs"
  vpc_id              = var.vpc_id
  subnet_ids          = var.private_subnet_ids
  instance_type       = var.instance_type
  ami_id              = var.container_instance_ami_id
  ami_parameter       = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
  min_size            = 0
  max_size            = var.max_instances
  managed_policy_arns = ["arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"]
  # Managed termination protection needs it: ECS lifts it from instances
  # without tasks when it scales in.
  protect_from_scale_in = true
  # The agent joins the cluster; tasks (awsvpc) cannot reach the instance's
  # metadata and so not its role.
  user_data = <<-EOT
    #!/bin/bash
    echo "ECS_CLUSTER=${var.name}" >> /etc/ecs/ecs.config
    echo "ECS_AWSVPC_BLOCK_IMDS=true" >> /etc/ecs/ecs.config
  EOT
  # ECS adds it when the capacity provider is created; declared so that
  # Terraform does not remove it, and so the instances carry it too.
  group_tags = { AmazonECSManaged = "true" }
  tags       = var.tags
}

resource "aws_ecs_capacity_provider" "ec2" {
  count = local.on_ec2 ? 1 : 0

  name = "${var.name}-ec2"
  tags = var.tags

  auto_scaling_group_provider {
    auto_scaling_group_arn         = module.container_instances[0].asg_arn
    managed_termination_protection = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = 100
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = var.max_instances
    }
  }
}
