data "aws_caller_identity" "current" {
  count = local.create && var.create_kms_key ? 1 : 0
}

data "aws_partition" "current" {
  count = local.create && var.create_kms_key ? 1 : 0
}

locals {
  create = var.create

  region = var.region

  create_sns_topic = local.create && var.create_sns_topic
  create_kms_key   = local.create_sns_topic && var.create_kms_key

  alarm_actions = local.create_sns_topic ? [aws_sns_topic.this[0].arn] : var.alarm_actions
  functions     = local.create ? var.function_names : {}
  api_enabled   = local.create && var.create_api_monitoring
}

################################################################################
# SNS topic for alarms, encrypted with a CMK CloudWatch may use
# (alarms cannot publish to a topic encrypted with the AWS managed aws/sns key)
################################################################################

data "aws_iam_policy_document" "kms" {
  count = local.create_kms_key ? 1 : 0

  # checkov:skip=CKV_AWS_111:Key policy: Resource "*" means this key only; the account-root statement is AWS's default key policy.
  # checkov:skip=CKV_AWS_356:Key policy: Resource "*" means this key only.
  # checkov:skip=CKV_AWS_109:Key policy: the account-root statement is AWS's default key policy, delegating to IAM.

  statement {
    sid       = "AccountAdministers"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current[0].partition}:iam::${data.aws_caller_identity.current[0].account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchPublishesAlarms"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current[0].account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "Encrypts the ${var.name} alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms[0].json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.name}-alarms"
  target_key_id = aws_kms_key.this[0].key_id
}

resource "aws_sns_topic" "this" {
  count = local.create_sns_topic ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = local.create_kms_key ? aws_kms_key.this[0].arn : var.sns_kms_key_id

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = local.create_sns_topic && var.alarm_email != null ? 1 : 0

  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

################################################################################
# Alarms: per function errors and throttles, API 5xx
################################################################################

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = var.create_alarms ? local.functions : {}

  alarm_name          = "${each.value}-errors"
  alarm_description   = "Lambda ${each.value} reported errors."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = var.function_error_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each = var.create_alarms ? local.functions : {}

  alarm_name          = "${each.value}-throttles"
  alarm_description   = "Lambda ${each.value} was throttled."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  count = var.create_alarms && local.api_enabled ? 1 : 0

  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "HTTP API ${var.name} returned 5xx responses."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = var.api_id, Stage = var.api_stage }
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = var.api_5xx_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

################################################################################
# Dashboard
################################################################################

locals {
  lambda_widgets = [
    for i, metric in ["Invocations", "Errors", "Throttles", "Duration"] : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = "Lambda ${metric}"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = metric == "Duration" ? "p95" : "Sum"
        period  = 300
        metrics = [for d, fn in local.functions : ["AWS/Lambda", metric, "FunctionName", fn, { label = d }]]
      }
    }
  ]

  api_widgets = local.api_enabled ? [
    for i, metric in ["Count", "4xx", "5xx", "Latency"] : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = 12 + floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = "API ${metric}"
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = metric == "Latency" ? "p95" : "Sum"
        period  = 300
        metrics = [["AWS/ApiGateway", metric, "ApiId", var.api_id, "Stage", var.api_stage]]
      }
    }
  ] : []
}

resource "aws_cloudwatch_dashboard" "this" {
  count = local.create && var.create_dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(length(local.functions) > 0 ? local.lambda_widgets : [], local.api_widgets)
  })
}
