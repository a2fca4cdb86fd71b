output "lambda_function_name" {
  description = "Name of the Lambda function."
  value       = try(aws_lambda_function.this[0].function_name, "")
}

output "lambda_function_arn" {
  description = "Unqualified ARN of the Lambda function."
  value       = try(aws_lambda_function.this[0].arn, "")
}

output "lambda_function_version" {
  description = "Latest published version."
  value       = try(aws_lambda_function.this[0].version, "")
}

output "lambda_function_qualified_arn" {
  description = "ARN of the latest published version."
  value       = try(aws_lambda_function.this[0].qualified_arn, "")
}

output "lambda_alias_name" {
  description = "Name of the alias."
  value       = try(aws_lambda_alias.this[0].name, "")
}

output "lambda_alias_arn" {
  description = "ARN of the alias; API Gateway integrates with it."
  value       = try(aws_lambda_alias.this[0].arn, "")
}

output "lambda_alias_invoke_arn" {
  description = "Invoke ARN of the alias."
  value       = try(aws_lambda_alias.this[0].invoke_arn, "")
}

output "lambda_role_arn" {
  description = "ARN of the execution role."
  value       = try(aws_iam_role.this[0].arn, "")
}

output "lambda_role_name" {
  description = "Name of the execution role."
  value       = try(aws_iam_role.this[0].name, "")
}

output "lambda_cloudwatch_log_group_name" {
  description = "Name of the function's log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, "")
}

output "lambda_cloudwatch_log_group_arn" {
  description = "ARN of the function's log group."
  value       = try(aws_cloudwatch_log_group.this[0].arn, "")
}
