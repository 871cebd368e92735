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
  container_instance_ami = local.on_ec2 ? coalesce(var.container_instance_ami_id, try(data.aws_ssm_parameter.ecs_ami[0].insecure_value, null)) : null
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = local.on_ec2 ? [aws_ecs_capacity_provider.ec2[0].name] : ["FARGATE", "FARGATE_SPOT"]
}

data "aws_ssm_parameter" "ecs_ami" {
  count = local.on_ec2 && var.container_instance_ami_id == null ? 1 : 0
  name  = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
}

data "aws_iam_policy_document" "instances_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "container_instance" {
  count = local.on_ec2 ? 1 : 0

  name               = "${var.name}-container-instance"
  assume_role_policy = data.aws_iam_policy_document.instances_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "container_instance" {
  count = local.on_ec2 ? 1 : 0

  role       = aws_iam_role.container_instance[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_instance_profile" "container_instance" {
  count = local.on_ec2 ? 1 : 0

  name = "${var.name}-container-instance"
  role = aws_iam_role.container_instance[0].name
  tags = var.tags
}

resource "aws_security_group" "container_instance" {
  count = local.on_ec2 ? 1 : 0

  name        = "${var.name}-container-instance"
  description = "Container instances: nothing in; HTTPS out to ECS, ECR and AWS APIs"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "container_instance_https" {
  count = local.on_ec2 ? 1 : 0

  security_group_id = aws_security_group.container_instance[0].id
  description       = "HTTPS out: the ECS agent, image pulls and AWS APIs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_launch_template" "container_instance" {
  count = local.on_ec2 ? 1 : 0

  name_prefix            = "${var.name}-ecs-"
  image_id               = local.container_instance_ami
  instance_type          = var.instance_type
  vpc_security_group_ids = [aws_security_group.container_instance[0].id]
  # The agent joins the cluster; tasks (awsvpc) cannot reach the instance's
  # metadata and so not its role.
  user_data = base64encode(<<-EOT
    #!/bin/bash
    echo "ECS_CLUSTER=${var.name}" >> /etc/ecs/ecs.config
    echo "ECS_AWSVPC_BLOCK_IMDS=true" >> /etc/ecs/ecs.config
  EOT
  )
  tags = var.tags

  iam_instance_profile {
    arn = aws_iam_instance_profile.container_instance[0].arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_type           = "gp3"
      volume_size           = 30
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-container-instance" })
  }
}

resource "aws_autoscaling_group" "container_instances" {
  count = local.on_ec2 ? 1 : 0

  name_prefix         = "${var.name}-ecs-"
  min_size            = 0
  max_size            = var.max_instances
  vpc_zone_identifier = var.private_subnet_ids
  # Managed termination protection needs it: ECS lifts it from instances
  # without tasks when it scales in.
  protect_from_scale_in = true

  launch_template {
    id      = aws_launch_template.container_instance[0].id
    version = "$Latest"
  }

  # ECS adds it when the capacity provider is created; declared so that
  # Terraform does not remove it, and so the instances carry it too.
  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = var.tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  # The capacity provider owns the instance count.
  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "ec2" {
  count = local.on_ec2 ? 1 : 0

  name = "${var.name}-ec2"
  tags = var.tags

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.container_instances[0].arn
    managed_termination_protection = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = 100
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = var.max_instances
    }
  }
}
