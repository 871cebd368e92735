# One role per function. Each role gets two inline policies and nothing else:
#  - `<function>`: exactly the AWS operations the function's code calls
#    (tests/tests/terraform.rs checks this against the source, both ways);
#  - `runtime`: what Lambda itself needs (logs, VPC interfaces, tracing, the
#    on-failure queue, KMS keys of the data the code touches).
# Resources are scoped wherever the action allows it.

locals {
  arn = {
    ecs_service          = "arn:${local.partition}:ecs:${local.region}:${local.account}:service/*"
    scalable_target      = "arn:${local.partition}:application-autoscaling:${local.region}:${local.account}:scalable-target/*"
    asg                  = "arn:${local.partition}:autoscaling:${local.region}:${local.account}:autoScalingGroup:*:autoScalingGroupName/*"
    rds_instance         = "arn:${local.partition}:rds:${local.region}:${local.account}:db:*"
    rds_cluster          = "arn:${local.partition}:rds:${local.region}:${local.account}:cluster:*"
    ec2_instance         = "arn:${local.partition}:ec2:${local.region}:${local.account}:instance/*"
    kms_key              = "arn:${local.partition}:kms:${local.region}:${local.account}:key/*"
    rds_verify_instance  = "arn:${local.partition}:rds:${local.region}:${local.account}:db:*-verify"
    rds_subnet_group     = "arn:${local.partition}:rds:${local.region}:${local.account}:subgrp:*"
    default_bus          = "arn:${local.partition}:events:${local.region}:${local.account}:event-bus/default"
    rds_snapshot         = "arn:${local.partition}:rds:${local.region}:${local.account}:snapshot:*"
    rds_cluster_snapshot = "arn:${local.partition}:rds:${local.region}:${local.account}:cluster-snapshot:*"
    ebs_snapshot         = "arn:${local.partition}:ec2:${local.region}::snapshot/*"
    recovery_point       = "arn:${local.partition}:backup:${local.region}:${local.account}:recovery-point:*"
    backup_plan          = "arn:${local.partition}:backup:${local.region}:${local.account}:backup-plan:*"
  }

  runtime_kms_keys = {
    "scaling-scheduler" = [var.topic_kms_key_arn]
    "dlq-processor"     = concat([var.topic_kms_key_arn], var.queue_kms_key_arns)
    "secret-rotator"    = concat([var.topic_kms_key_arn], var.secret_kms_key_arns)
    "backup-verifier"   = concat([var.topic_kms_key_arn], var.secret_kms_key_arns)
    "scaling-notifier"  = concat([var.topic_kms_key_arn], var.secret_kms_key_arns)
  }

  policies = {
    "scaling-scheduler" = data.aws_iam_policy_document.scaling_scheduler.json
    "dlq-processor"     = data.aws_iam_policy_document.dlq_processor.json
    "secret-rotator"    = data.aws_iam_policy_document.secret_rotator.json
    "backup-verifier"   = data.aws_iam_policy_document.backup_verifier.json
    "scaling-notifier"  = data.aws_iam_policy_document.scaling_notifier.json
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "code" {
  for_each = local.functions

  name   = "calls"
  role   = aws_iam_role.function[each.key].id
  policy = local.policies[each.key]
}

resource "aws_iam_role_policy" "runtime" {
  for_each = local.functions

  name   = "runtime"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.runtime[each.key].json
}

data "aws_iam_policy_document" "runtime" {
  for_each = local.functions

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "OnFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.failures.arn]
  }

  statement {
    sid       = "KeysOfTheDataTouched"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = local.runtime_kms_keys[each.key]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = each.value.vpc ? [1] : []
    content {
      sid = "VpcNetworkInterfaces"
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
  }
}

data "aws_iam_policy_document" "scaling_scheduler" {
  statement {
    sid       = "DiscoverEcs"
    actions   = ["ecs:ListClusters", "ecs:ListServices"]
    resources = ["*"]
  }

  statement {
    sid = "ScaleEcsServices"
    actions = [
      "ecs:DescribeServices",
      "ecs:UpdateService",
      "ecs:TagResource",
      "ecs:UntagResource",
    ]
    resources = [local.arn.ecs_service]
  }

  statement {
    sid       = "DiscoverScalableTargets"
    actions   = ["application-autoscaling:DescribeScalableTargets"]
    resources = ["*"]
  }

  statement {
    sid       = "SetScalableTargetBounds"
    actions   = ["application-autoscaling:RegisterScalableTarget"]
    resources = [local.arn.scalable_target]
  }

  statement {
    sid       = "DiscoverAutoScalingGroups"
    actions   = ["autoscaling:DescribeAutoScalingGroups"]
    resources = ["*"]
  }

  statement {
    sid = "ScaleAutoScalingGroups"
    actions = [
      "autoscaling:UpdateAutoScalingGroup",
      "autoscaling:CreateOrUpdateTags",
      "autoscaling:DeleteTags",
    ]
    resources = [local.arn.asg]
  }

  statement {
    sid = "StopAndStartRdsInstances"
    # AddTagsToResource: the override tag an apply command holds its state with.
    actions   = ["rds:DescribeDBInstances", "rds:StopDBInstance", "rds:StartDBInstance", "rds:AddTagsToResource"]
    resources = [local.arn.rds_instance]
  }

  statement {
    sid       = "RememberStandingProblemsTold"
    actions   = ["ssm:GetParameter", "ssm:PutParameter"]
    resources = [aws_ssm_parameter.scheduler_told.arn]
  }

  statement {
    sid       = "EmitScheduledScalingActions"
    actions   = ["events:PutEvents"]
    resources = [local.arn.default_bus]
  }

  statement {
    sid       = "StopAndStartAuroraClusters"
    actions   = ["rds:DescribeDBClusters", "rds:StopDBCluster", "rds:StartDBCluster", "rds:AddTagsToResource"]
    resources = [local.arn.rds_cluster]
  }

  statement {
    sid       = "DiscoverEc2Instances"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeSpotInstanceRequests"]
    resources = ["*"]
  }

  statement {
    sid       = "StopAndStartEc2Instances"
    actions   = ["ec2:StopInstances", "ec2:StartInstances"]
    resources = [local.arn.ec2_instance]
  }

  statement {
    sid = "HoldEc2InstancesWithTheOverrideTag"
    # The override tag an apply command holds its state with, and no other.
    actions   = ["ec2:CreateTags"]
    resources = [local.arn.ec2_instance]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["schedule:override"]
    }
  }

  statement {
    sid = "StartInstancesWithEncryptedVolumes"
    # Starting (or resuming) an instance whose EBS volumes use a customer
    # managed key: EC2 creates a grant on the key as the caller. Only grants
    # for AWS resources, only through EC2.
    actions   = ["kms:CreateGrant"]
    resources = [local.arn.kms_key]
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ec2.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notify_topic_arn]
  }
}

data "aws_iam_policy_document" "dlq_processor" {
  statement {
    sid = "ReadAndDrainDeadLetterQueues"
    actions = [
      "sqs:GetQueueUrl",
      "sqs:GetQueueAttributes",
      "sqs:ListDeadLetterSourceQueues",
      "sqs:ReceiveMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      # A native redrive: SQS moves the messages with these rights and
      # sqs:SendMessage on the destination.
      "sqs:StartMessageMoveTask",
      "sqs:ListMessageMoveTasks",
    ]
    resources = concat(var.dlq_arns, [aws_sqs_queue.failures.arn])
  }

  statement {
    sid       = "RedriveToTargets"
    actions   = ["sqs:SendMessage"]
    resources = var.redrive_target_arns
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notify_topic_arn]
  }
}

data "aws_iam_policy_document" "secret_rotator" {
  statement {
    sid = "RotateSecrets"
    actions = [
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "secretsmanager:UpdateSecretVersionStage",
    ]
    resources = var.rotated_secret_arns
  }

  dynamic "statement" {
    for_each = length(var.master_secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadMasterSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.master_secret_arns
    }
  }

  statement {
    sid       = "GeneratePasswords"
    actions   = ["secretsmanager:GetRandomPassword"]
    resources = ["*"]
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notify_topic_arn]
  }
}

data "aws_iam_policy_document" "backup_verifier" {
  statement {
    sid = "ReadBackupJobsAndRestoreJobs"
    actions = [
      "backup:ListRecoveryPointsByResource",
      "backup:ListBackupJobs",
      "backup:ListCopyJobs",
      "backup:DescribeRestoreJob",
      "backup:PutRestoreValidationResult",
    ]
    resources = ["*"]
  }

  # The rule that made a recovery point says which copies it asks for.
  statement {
    sid       = "ReadBackupPlans"
    actions   = ["backup:GetBackupPlan"]
    resources = [local.arn.backup_plan]
  }

  # Recovery points of RDS and EBS carry the snapshot's own ARN; the others
  # a Backup recovery-point ARN.
  statement {
    sid     = "DescribeRecoveryPoints"
    actions = ["backup:DescribeRecoveryPoint"]
    resources = [
      local.arn.recovery_point,
      local.arn.rds_snapshot,
      local.arn.rds_cluster_snapshot,
      local.arn.ebs_snapshot,
    ]
  }

  statement {
    sid       = "ReadRdsInstancesAndSnapshots"
    actions   = ["rds:DescribeDBInstances", "rds:DescribeDBSnapshots"]
    resources = [local.arn.rds_instance, local.arn.rds_snapshot]
  }

  # Aurora, DocumentDB and Neptune clusters are backed up as a whole.
  statement {
    sid       = "ReadRdsClustersAndSnapshots"
    actions   = ["rds:DescribeDBClusters", "rds:DescribeDBClusterSnapshots"]
    resources = [local.arn.rds_cluster, local.arn.rds_cluster_snapshot]
  }

  # AWS Backup restores a cluster without any instance: the checks need one,
  # added (tagged with its restore job) and deleted afterwards. Only
  # instances named `*-verify` and created with that tag.
  statement {
    sid       = "AddAnInstanceToRestoredClusters"
    actions   = ["rds:CreateDBInstance", "rds:AddTagsToResource"]
    resources = [local.arn.rds_verify_instance, local.arn.rds_cluster, local.arn.rds_subnet_group]
    condition {
      test     = "Null"
      variable = "aws:RequestTag/backup-verifier:restore-job"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DeleteTheInstanceAdded"
    actions   = ["rds:DeleteDBInstance"]
    resources = [local.arn.rds_verify_instance]
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/backup-verifier:restore-job"
      values   = ["false"]
    }
  }

  statement {
    sid       = "ReadVolumesAndSnapshots"
    actions   = ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = length(var.validation_secret_arns) > 0 ? [1] : []
    content {
      sid = "LogInToRestoredDatabases"
      # Older versions too: a restore keeps its snapshot's password.
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds"]
      resources = var.validation_secret_arns
    }
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notify_topic_arn]
  }
}

data "aws_iam_policy_document" "scaling_notifier" {
  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notify_topic_arn]
  }

  # Which container of a stopped task is essential is only in its task
  # definition; DescribeTaskDefinition has no resource-level permissions.
  statement {
    sid       = "ReadTaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.slack_webhook_secret_arn == null ? [] : [1]
    content {
      sid       = "ReadSlackWebhook"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.slack_webhook_secret_arn]
    }
  }
}
