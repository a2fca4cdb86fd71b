output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = try(aws_sns_topic.this[0].arn, "")
}

output "kms_key_arn" {
  description = "ARN of the CMK encrypting the alarm topic."
  value       = try(aws_kms_key.this[0].arn, "")
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, "")
}

output "alarm_names" {
  description = "Names of all alarms."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.function_errors : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.function_throttles : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.api_5xx : a.alarm_name],
  )
}
